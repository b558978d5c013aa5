import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { Ajv } from 'ajv';
import { runBench } from '../../src/bench/index.js';
import { localTarget } from '../../src/capacity/local-target.js';
import { runProbe } from '../../src/capacity/probe.js';
import { searchSustainable } from '../../src/capacity/search.js';
import { DEFAULT_SLO, parseSlo } from '../../src/capacity/slo.js';
import { runCli } from '../../src/cli/run.js';
import { clockTicksPerSecond } from '../../src/proc/stat.js';
import type { CapacityReport } from '../../src/report/capacity-types.js';
import { loadStage } from '../../src/stages/registry.js';
import { fakeIo } from '../helpers/fake-io.js';
import { requireServer } from '../helpers/prereq.js';
import { removeSeededDb, seededDb } from '../helpers/stage-fixture.js';

// `capacity` on real stages (nginx, memcached, Redis and app processes started for real) with
// short probes; needs dist/ (the stages spawn dist/cli/main.js): npm run build.
const dir = mkdtempSync(join(tmpdir(), 'fk-capacity-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
  removeSeededDb();
});

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/capacity.schema.json', import.meta.url), 'utf8'),
);

function servers(t: Parameters<typeof requireServer>[0]): boolean {
  return (
    requireServer(t, 'nginx', 'nginx') !== undefined &&
    requireServer(t, 'memcached', 'memcached') !== undefined &&
    requireServer(t, 'redis-server', 'redis-server') !== undefined
  );
}

test('capacity --stage memcached with short probes: finishes, writes a valid capacity.json, index.html, table.txt', async (t) => {
  if (!servers(t)) return;
  const out = join(dir, 'run');
  const io = fakeIo({ cwd: dir });
  const t0 = performance.now();
  const code = await runCli(
    [
      'capacity',
      '--stage',
      'memcached',
      '--db',
      seededDb(),
      '--sizes',
      '1',
      '--probe',
      '700ms',
      '--warmup',
      '300ms',
      '--max-probes',
      '5',
      '--protect',
      '--out',
      out,
    ],
    io,
  );
  const took = (performance.now() - t0) / 1000;
  assert.equal(code, 0, io.err.join(''));
  const report = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as CapacityReport;
  const validate = new Ajv({ allErrors: true }).compile(schema);
  assert.equal(validate(report), true, JSON.stringify(validate.errors, null, 2));
  assert.equal(report.target.name, 'memcached');
  assert.equal(report.target.users, 200);
  const [one] = report.scaleOut;
  assert.ok(one!.search.probes.length >= 1 && one!.search.probes.length <= 5);
  // Every probe measured CPU per part from /proc, the machine among them.
  for (const p of one!.search.probes)
    assert.ok(
      p.parts.some((x) => x.name === 'machine'),
      JSON.stringify(p.parts),
    );
  assert.equal(report.overload.length, one!.search.sustainableRate > 0 ? 2 : 0);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.match(html, /<svg /);
  assert.ok(existsSync(join(out, 'table.txt')));
  // One progress line per probe on stderr; the table on stdout.
  const err = io.err.join('');
  assert.equal((err.match(/size 1: probe \d+\/5 /g) ?? []).length, one!.search.probes.length);
  assert.match(io.out.join(''), /The answer/);
  console.log(`${io.out.join('')}\n(capacity run: ${took.toFixed(0)} s)`);
});

/** 48 GETs of dynamic pages at once, each on its own connection: status, Retry-After and time of each. */
async function burst(
  url: string,
  n = 48,
): Promise<Array<{ status: number; retryAfter: string | null; ms: number }>> {
  const { hostname, port } = new URL(url);
  return Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<{ status: number; retryAfter: string | null; ms: number }>((resolve, reject) => {
          const t0 = performance.now();
          const req = httpRequest(
            { host: hostname, port: Number(port), path: `/users/${1 + (i % 200)}`, agent: false },
            (res) => {
              res.resume();
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
                  ms: performance.now() - t0,
                }),
              );
            },
          );
          req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
          req.on('error', reject);
          req.end();
        }),
    ),
  );
}

test('--protect under 3× load: fast 503s with Retry-After, and goodput kept (both measured, printed)', async (t) => {
  if (!servers(t)) return;
  const stage = await loadStage('memcached');
  const target = localTarget({
    stage,
    db: { kind: 'sqlite', path: seededDb() },
    users: 200,
    cores: availableParallelism(),
    dbProcesses: () => [],
    selfPid: process.pid,
    ticksPerS: clockTicksPerSecond(),
    runDir: join(dir, 'stages'),
  });
  const slo = parseSlo(DEFAULT_SLO);
  const settings = { probeMs: 1500, warmupMs: 500, timeoutMs: 10_000, seed: 7 };
  const deps = { runBench, wallNow: () => Date.now() };
  const open = await target.start(1, {});
  let base: number;
  let unprotected: Awaited<ReturnType<typeof runProbe>>;
  try {
    const found = await searchSustainable(
      (rate) => runProbe(open, 200, rate, slo, { ...settings, probeMs: 800, warmupMs: 300 }, deps),
      { startRate: 100, growth: 2, tolerance: 0.2, maxProbes: 5, minRate: 10, maxRate: 5000 },
      { now: () => performance.now(), log: (l) => t.diagnostic(l) },
    );
    base = Math.max(found.sustainableRate, 50);
    unprotected = await runProbe(open, 200, 3 * base, slo, settings, deps);
  } finally {
    await open.stop();
  }
  const guarded = await target.start(1, { protect: { maxInFlight: 4 } });
  let protectedProbe: Awaited<ReturnType<typeof runProbe>>;
  let shot: Awaited<ReturnType<typeof burst>>;
  try {
    protectedProbe = await runProbe(guarded, 200, 3 * base, slo, settings, deps);
    shot = await burst(guarded.url);
  } finally {
    await guarded.stop();
  }
  console.log(
    `stage memcached, 1 app process, sustainable ~${base}/s; at 3× (${3 * base}/s offered, ${settings.probeMs / 1000} s): ` +
      `unprotected goodput ${unprotected.goodput}/s, p50 ${(unprotected.latencyUs.p50 / 1000).toFixed(1)} ms, p99 ${(unprotected.latencyUs.p99 / 1000).toFixed(0)} ms, ${unprotected.status503} × 503; ` +
      `--protect 4: goodput ${protectedProbe.goodput}/s, p50 ${(protectedProbe.latencyUs.p50 / 1000).toFixed(1)} ms, p99 ${(protectedProbe.latencyUs.p99 / 1000).toFixed(0)} ms, ${protectedProbe.status503} × 503`,
  );
  assert.equal(unprotected.status503, 0, 'unprotected, the stack queues: no 503');
  assert.ok(protectedProbe.status503 > 0, 'protected, the excess is refused');
  // Goodput itself is a measurement, not an assertion (bench/README.md records it): on a shared
  // 2-core machine one 3-second probe can swing either way.
  // A burst of 48 concurrent page requests against 4 in flight: refusals are 503 + Retry-After, and fast.
  const refused = shot.filter((r) => r.status === 503);
  const served = shot.filter((r) => r.status === 200);
  assert.ok(refused.length > 0 && served.length > 0, JSON.stringify(shot.map((r) => r.status)));
  for (const r of refused) assert.equal(r.retryAfter, '1');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(
    `burst of 48: ${served.length} × 200 (median ${median(served.map((r) => r.ms)).toFixed(1)} ms), ${refused.length} × 503 (median ${median(refused.map((r) => r.ms)).toFixed(1)} ms)`,
  );
  assert.ok(median(refused.map((r) => r.ms)) < 250, 'a refusal does not wait in a queue');
});
