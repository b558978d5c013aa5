import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import type { AppRequest, AppResponse } from '../../src/app/index.js';
import { runBench } from '../../src/bench/index.js';
import { runCapacity } from '../../src/capacity/run-capacity.js';
import { DEFAULT_SEARCH } from '../../src/capacity/search.js';
import { DEFAULT_SLO, parseSlo } from '../../src/capacity/slo.js';
import type { CapacityTarget, RunningTarget } from '../../src/capacity/target.js';
import { capacityArgs } from '../../src/cli/capacity.js';
import { runCli } from '../../src/cli/run.js';
import { listen } from '../../src/server/node-http.js';
import { fakeIo } from '../helpers/fake-io.js';

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/capacity.schema.json', import.meta.url), 'utf8'),
);

test('capacity options: every problem at once (E_USAGE, exit 2); --hosts/--lab take the fleet options', async () => {
  const none = fakeIo();
  assert.equal(await runCli(['capacity'], none), 2);
  assert.match(none.err.join(''), /capacity needs --stage S/);
  const bad = fakeIo();
  assert.equal(
    await runCli(
      ['capacity', '--stage', 'memcached', '--load', 'lots', '--slo', 'p99<200ms,rate>9', '--tolerance', '0'],
      bad,
    ),
    2,
  );
  const msg = bad.err.join('');
  for (const part of [
    "--load takes a factor like 10x or 2.5x, got 'lots'",
    '--slo: rate>9',
    '--tolerance takes 1% to 100%',
  ])
    assert.ok(msg.includes(part), `${part} in ${msg}`);
  const fleetBad = fakeIo();
  assert.equal(
    await runCli(
      ['capacity', '--lab', 'Bad!', '--db', 'x.db', '--app-hosts', '0', '--users', 'many'],
      fleetBad,
    ),
    2,
  );
  for (const part of ['drop --db/--sessions', '--lab NAME must be', '--app-hosts', '--users'])
    assert.ok(fleetBad.err.join('').includes(part), `${part} in ${fleetBad.err.join('')}`);
  const missing = fakeIo();
  assert.equal(await runCli(['capacity', '--hosts', 'no-such-hosts.yaml'], missing), 1);
  assert.match(
    missing.err.join(''),
    /cannot read hosts file .*no-such-hosts\.yaml: ENOENT \[E_HOSTS_INVALID\]/,
  );
  const noStage = fakeIo();
  assert.equal(await runCli(['capacity', '--stage', 'fleet'], noStage), 2);
  assert.match(noStage.err.join(''), /stage fleet is measured with --lab \[NAME\] or --hosts FILE/);
  const two = fakeIo();
  assert.equal(await runCli(['capacity', '--stage', 'single', '--lab'], two), 2);
  const cgi = fakeIo();
  assert.equal(await runCli(['capacity', '--stage', 'cgi', '--protect'], cgi), 2);
  assert.match(cgi.err.join(''), /--protect has no app process to bound in stage cgi/);
  const unknown = fakeIo();
  assert.equal(await runCli(['capacity', '--stage', 'nope'], unknown), 1);
  assert.match(unknown.err.join(''), /\[E_STAGE_UNKNOWN\]/);
  const help = fakeIo();
  assert.equal(await runCli(['capacity', '--help'], help), 0);
  assert.match(help.out.join(''), /^flickr-killr capacity \[--stage S \| --hosts FILE \| --lab \[NAME\]\]/);
});

test('capacity options parsed: factor, rate, sizes, tolerance, probe length, --max-in-flight implies --protect', () => {
  const a = capacityArgs(
    [
      '--stage',
      'memcached',
      '--load',
      '2.5x',
      '--rate',
      '120',
      '--sizes',
      '4,1,2,2',
      '--tolerance',
      '5%',
      '--probe',
      '2s',
      '--max-in-flight',
      '8',
      '--no-overload',
    ],
    { env: {}, cwd: '/w' },
  );
  assert.deepEqual(
    [a.stage, a.factor, a.rate, a.sizes, a.tolerance, a.probeMs, a.protect, a.overload, a.slo.text],
    ['memcached', 2.5, 120, [1, 2, 4], 0.05, 2000, [{ maxInFlight: 8 }], false, DEFAULT_SLO],
  );
  assert.deepEqual(capacityArgs(['--stage', 'single', '--protect'], { env: {}, cwd: '/w' }).protect, [
    { maxInFlight: 4 },
  ]);
  assert.deepEqual(
    capacityArgs(['--stage', 'single', '--max-in-flight', '4,16,4'], { env: {}, cwd: '/w' }).protect,
    [{ maxInFlight: 4 }, { maxInFlight: 16 }],
  );
  assert.deepEqual(capacityArgs(['--stage', 'single'], { env: {}, cwd: '/w' }).protect, []);
  assert.equal(capacityArgs(['--stage', 'single'], { env: {}, cwd: '/w' }).factor, 10);
});

/**
 * A toy site over real sockets: each dynamic page holds one of `size` workers for a 2 ms timer
 * (~500 pages/s per worker), static files are free. With protect, the real in-flight limiter of node-http.ts
 * bounds it. Its CPU is not measured (no parts).
 */
function toyTarget(): CapacityTarget {
  return {
    info: { kind: 'stage', name: 'toy', sizeUnit: 'workers', maxSize: 2, staticFrom: 'front', users: 50 },
    async start(size, { protect }): Promise<RunningTarget> {
      let busy = 0;
      const waiting: Array<() => void> = [];
      const work = async (): Promise<void> => {
        // A freed worker is handed straight to the next in line: never more than `size` at once.
        if (busy >= size) await new Promise<void>((r) => waiting.push(r));
        else busy += 1;
        await new Promise((r) => setTimeout(r, 2));
        const next = waiting.shift();
        if (next) next();
        else busy -= 1;
      };
      const handler = async (req: AppRequest): Promise<AppResponse> => {
        if (req.method === 'POST')
          return { status: 303, headers: { Location: '/', 'Set-Cookie': 's=1; Path=/' }, body: '' };
        if (req.url.startsWith('/static/'))
          return { status: 200, headers: { 'Content-Type': 'text/css' }, body: 'a{}' };
        await work();
        return {
          status: 200,
          headers: { 'Content-Type': 'text/html' },
          body: '<html><link rel="stylesheet" href="/static/a.css"><img src="/static/b.png"></html>',
        };
      };
      const server = await listen(handler, {
        port: 0,
        ...(protect ? { maxInFlight: protect.maxInFlight } : {}),
      });
      return {
        size,
        url: server.url,
        cpu: () => ({ window: () => undefined, stop: () => {} }),
        stop: () => server.close(),
      };
    },
  };
}

test('a whole capacity run over real sockets: the search, the curve, overload with and without the in-flight limit', async () => {
  const lines: string[] = [];
  const report = await runCapacity(
    toyTarget(),
    {
      slo: parseSlo(DEFAULT_SLO),
      factor: 4,
      probe: { probeMs: 400, warmupMs: 150, timeoutMs: 5000, seed: 1 },
      search: { ...DEFAULT_SEARCH, maxProbes: 7, startRate: 100 },
      sizes: [1, 2],
      protect: [{ maxInFlight: 2 }],
      multipliers: [0.5, 3],
      overload: true,
    },
    {
      runBench,
      now: () => performance.now(),
      wallNow: () => Date.now(),
      machine: async () => ({
        cores: 2,
        cpuModel: 'x',
        memoryBytes: 1,
        os: 'Linux',
        node: process.versions.node,
        versions: {},
        generatorSharesMachine: true,
      }),
      log: (l) => lines.push(l),
    },
  );
  const validate = new Ajv({ allErrors: true }).compile(schema);
  assert.equal(validate(JSON.parse(JSON.stringify(report))), true, JSON.stringify(validate.errors, null, 2));
  const [one] = report.scaleOut;
  // About 500 pages/s per worker (a 2 ms timer may fire early: Node's loop time is cached), so the
  // search lands in the hundreds — and never on the probe budget's maximum.
  assert.ok(one!.search.sustainableRate >= 100 && one!.search.sustainableRate <= 1600, lines.join('\n'));
  assert.ok(one!.search.probes.length <= 7);
  assert.equal(
    lines.filter((l) => / probe \d+\/7 /.test(l)).length,
    report.scaleOut.reduce((n, p) => n + p.search.probes.length, 0),
  );
  const [open, guarded] = report.overload;
  const at3 = (c: typeof open) => c!.steps.find((s) => s.multiplier === 3)!;
  // Past capacity the unprotected toy queues (no 503); the protected one refuses fast and serves more within the SLO.
  assert.equal(at3(open).status503, 0);
  assert.ok(at3(guarded).status503 > 0, lines.join('\n'));
  assert.ok(at3(guarded).goodput > at3(open).goodput, `${at3(guarded).goodput} vs ${at3(open).goodput}`);
  console.log(
    `toy at 3× (${at3(open).offeredRate}/s): goodput unprotected ${at3(open).goodput}/s, protected ${at3(guarded).goodput}/s (${at3(guarded).status503} × 503)`,
  );
});

test('capacity --lab: the default lab, a lab of its own sized by --app-hosts; --hosts FILE', () => {
  const env = { env: {}, cwd: '/w' };
  assert.deepEqual(capacityArgs(['--lab', '--load', '10x'], env).fleet, {
    kind: 'lab',
    lab: 'lab',
    appHosts: 4,
  });
  const own = capacityArgs(['--lab', 'cap1', '--app-hosts', '2', '--users', '500'], env);
  assert.deepEqual(
    [own.stage, own.fleet, own.users],
    ['fleet', { kind: 'lab', lab: 'cap1', appHosts: 2 }, 500],
  );
  assert.deepEqual(capacityArgs(['--hosts', 'h.yaml'], env).fleet, { kind: 'hosts', file: 'h.yaml' });
  assert.equal(capacityArgs(['--stage', 'single'], env).fleet, undefined);
});
