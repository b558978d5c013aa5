import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type BenchResult, failedRequests, runBench } from '../../src/bench/index.js';
import { runCli } from '../../src/cli/run.js';
import { parseUpstream } from '../../src/deploy/lb-upstream.js';
import type { FleetStatus } from '../../src/deploy/status.js';
import { appServersPath } from '../../src/stages/fleet/lb-conf.js';
import { fakeIo } from '../helpers/fake-io.js';
import { type FleetLab, sleep, USERS } from './fleet-lab.js';

/**
 * What the deploy system tests share (deploy.test.ts, deploy-ops.test.ts): `deploy` in-process
 * and as a child process, the lb's upstream and `deploy status`, the open-loop load during an
 * action with the upstream sampled every 250 ms, and the assertions on both.
 */
export const MAIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;

export const cacheArgs = (l: FleetLab) => ['--lab', l.name, '--cache', join(l.dir, 'cache', 'artifacts')];

export interface Run {
  code: number;
  out: string;
  err: string;
}

export async function deploy(l: FleetLab, args: string[]): Promise<Run> {
  const io = fakeIo();
  const code = await runCli(['deploy', ...args, ...cacheArgs(l)], io).catch((e: Error) => {
    io.err.push(String(e));
    return -1;
  });
  return { code, out: io.out.join(''), err: io.err.join('') };
}

export async function status(l: FleetLab): Promise<FleetStatus> {
  const r = await deploy(l, ['status', '--json']);
  assert.ok(r.out.startsWith('{'), `deploy status --json: ${r.err}`);
  return JSON.parse(r.out) as FleetStatus;
}

export async function upstream(l: FleetLab): Promise<string[]> {
  const lb = l.fleet.host(l.fleet.plan.lbHost);
  const r = await lb.remote.exec(['cat', appServersPath(lb.plan.paths)], { timeoutMs: 15_000 });
  assert.equal(r.code, 0, r.stderr);
  return parseUpstream(r.stdout);
}

export interface Loaded<T> {
  out: T;
  bench: BenchResult;
  /** Every server the upstream listed in any sample. */
  seen: Set<string>;
  /** Each sample of the upstream, in order (every 250 ms, plus the ssh round trip). */
  samples: string[][];
  /** What `beforeSample` returned just before each sample (same index). */
  before: unknown[];
}

/**
 * Runs `action` while bench sends ~12 page views/s open-loop to the lb; samples the upstream.
 * `beforeSample` runs just before each upstream read (deploy-ops checks what runs, then what is
 * routed); a sample whose read failed is dropped with its `before`.
 */
export async function underLoad<T>(
  l: FleetLab,
  action: () => Promise<T>,
  beforeSample?: () => Promise<unknown>,
): Promise<Loaded<T>> {
  const url = l.fleet.url;
  const ac = new AbortController();
  const running = runBench(
    {
      urls: [`${url}/users/{1..${USERS}}`],
      page: true,
      login: `POST ${url}/login user={1..${USERS}}`,
      connections: 12,
      threads: 1,
      rate: 12,
      durationMs: 600_000,
      timeoutMs: 10_000,
    },
    { signal: ac.signal },
  );
  const seen = new Set<string>();
  const samples: string[][] = [];
  const before: unknown[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const b = await beforeSample?.().catch(() => undefined);
      const u = await upstream(l).catch(() => undefined);
      if (u !== undefined) {
        samples.push(u);
        before.push(b);
        for (const s of u) seen.add(s);
      }
      await sleep(250);
    }
  })();
  await sleep(1000);
  try {
    const out = await action();
    await sleep(500);
    return { out, bench: await stop(), seen, samples, before };
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  async function stop() {
    ac.abort();
    sampling = false;
    await sampler;
    return running;
  }
}

export function noFailures(t: { diagnostic(s: string): void }, what: string, b: BenchResult) {
  const { failed, attempted } = failedRequests(b);
  t.diagnostic(
    `${what}: ${b.totals.pageViews} page views in ${b.durationS.toFixed(1)} s, ${b.pageViewsFailed} failed, ` +
      `${failed} of ${attempted} requests failed, ${b.totals.retriedOnStaleConnection} retried on a stale connection`,
  );
  assert.ok(b.totals.pageViews > 0, `${what}: page views were made`);
  assert.equal(b.pageViewsFailed, 0, `${what}: failed page views (errors ${JSON.stringify(b.errors)})`);
  assert.equal(failed, 0, `${what}: failed requests (status ${JSON.stringify(b.statusCodes)})`);
}

/** Every routed address:port belongs to a program of `release` on its host. */
export function routesOnly(l: FleetLab, s: FleetStatus, release: string) {
  const ports = new Set<string>();
  for (const h of s.hosts) {
    const addr = l.hosts.find((x) => x.name === h.host)!.address;
    for (const p of h.programs) if (p.release === release) ports.add(`${addr}:${p.port}`);
  }
  assert.ok(s.upstream.length > 0);
  for (const u of s.upstream) assert.ok(ports.has(u), `${u} routed but not of release ${release}`);
}

export interface Signalled {
  err: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * `node dist/cli/main.js deploy ARGS` as a child process, sent `signal` once stderr shows `mark`.
 * Resolves with its stderr and how it ended; rejects when it ended before the mark. `group`: the
 * child leads a process group of its own and the signal goes to the whole group, as a terminal's
 * Ctrl-C does (its ssh children get it too).
 */
export function signalAt(
  l: FleetLab,
  args: string[],
  mark: string,
  signal: 'SIGKILL' | 'SIGINT',
  o: { group?: boolean } = {},
): Promise<Signalled> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'deploy', ...args, ...cacheArgs(l)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: o.group === true,
    });
    let err = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (!sent && err.includes(mark)) {
        sent = true;
        if (o.group === true) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (!sent) reject(new Error(`deploy exited ${code ?? sig} before "${mark}": ${err}`));
      else resolve({ err, code, signal: sig });
    });
  });
}
