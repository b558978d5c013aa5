import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnose, type Measurements, roleKind } from '../../../src/ladder/diagnose.js';
import { BOTTLENECK_CODES, type BottleneckCode } from '../../../src/report/report-types.js';
import { benchCore, cpu, summary } from '../../helpers/report-fixture.js';

const st = (session: number, db: number, render: number, count = 1000) => ({
  session: { count, meanMs: session },
  db: { count, meanMs: db },
  render: { count, meanMs: render },
});

/** Reached only by the fleet rung's diagnosis (test/unit/capacity/fleet-rung.test.ts). */
const FLEET_ONLY: readonly BottleneckCode[] = ['shared-host'];

/** One constructed measurement per verdict; the test below checks it covers them all. */
const CASES: Record<Exclude<BottleneckCode, 'shared-host'>, Measurements> = {
  'no-data': { runId: 'single', bench: summary(benchCore(0)), cpu: cpu({ 'app-1': 0.1 }) },
  errors: { runId: 'single', bench: summary(benchCore(100, { errors: 5000 })), cpu: cpu({ 'app-1': 0.9 }) },
  'noisy-machine': {
    runId: 'nginx',
    bench: summary(benchCore(100)),
    cpu: cpu({ 'app-1': 0.4, 'app-2': 0.4 }, { other: 0.8 }),
  },
  // CGI: ~530 ms of app CPU per page against a 0.2 ms handler, and a process per page.
  'process-startup': {
    runId: 'cgi',
    bench: summary(benchCore(3)),
    cpu: cpu({ lighttpd: 0.05, 'lighttpd/children': 1.6 }, { forks: 40, pids: { 'lighttpd/children': 25 } }),
    staticFrom: 'front',
  },
  database: {
    runId: 'memcached-noindex',
    variant: 'no-index',
    bench: summary(benchCore(20, { serverTiming: st(0.05, 40, 0.1) })),
    cpu: cpu({ 'app-1': 0.9, 'app-2': 0.9, nginx: 0.05 }),
    staticFrom: 'cache',
  },
  'one-core': {
    runId: 'single',
    bench: summary(benchCore(150)),
    cpu: cpu({ 'app-1': 0.97 }, { generator: 0.6 }),
    staticFrom: 'app',
  },
  'static-in-app': {
    runId: 'nginx',
    bench: summary(benchCore(100)),
    cpu: cpu({ 'app-1': 0.8, 'app-2': 0.8, nginx: 0.2 }, { generator: 0.2 }),
    staticFrom: 'app',
  },
  sessions: {
    runId: 'memcached',
    bench: summary(benchCore(300, { serverTiming: st(3, 0.1, 0.2) })),
    cpu: cpu({ 'app-1': 0.4, 'app-2': 0.4 }),
    staticFrom: 'cache',
  },
  generator: {
    runId: 'memcached',
    bench: summary(benchCore(400, { generatorSaturated: true })),
    cpu: cpu({ 'app-1': 0.5, 'app-2': 0.5, nginx: 0.2 }, { generator: 0.8 }),
    staticFrom: 'cache',
  },
  'app-cpu': {
    runId: 'memcached',
    bench: summary(benchCore(400)),
    cpu: cpu({ 'app-1': 0.7, 'app-2': 0.7, nginx: 0.2, memcached: 0.05 }, { generator: 0.3 }),
    staticFrom: 'cache',
  },
  'front-proxy': {
    runId: 'proxy-cache',
    bench: summary(benchCore(2000)),
    cpu: cpu({ nginx: 1.2, 'app-1': 0.1 }, { generator: 0.6 }),
    staticFrom: 'cache',
  },
  'not-saturated': {
    runId: 'nginx',
    bench: summary(benchCore(50)),
    cpu: cpu({ 'app-1': 0.2 }, { generator: 0.2 }),
    staticFrom: 'cache',
  },
  'whole-machine': {
    runId: 'memcached',
    bench: summary(benchCore(400)),
    cpu: cpu({ 'app-1': 0.45, nginx: 0.45, memcached: 0.4 }, { generator: 0.5 }),
    staticFrom: 'cache',
  },
  // No /proc samples (not Linux, or sampling failed): nothing to rest a verdict on.
  inconclusive: { runId: 'memcached', bench: summary(benchCore(400)), staticFrom: 'cache' },
};

for (const code of BOTTLENECK_CODES.filter((c) => !FLEET_ONLY.includes(c))) {
  test(`diagnose: ${code}`, () => {
    const d = diagnose(CASES[code as Exclude<BottleneckCode, 'shared-host'>]);
    assert.equal(d.bottleneck, code, `${d.text}\n${d.evidence.join('\n')}`);
    assert.ok(d.text.length > 20);
    assert.ok(d.evidence.length >= 1);
  });
}

test('the missing index is named when the no-index run is database-bound', () => {
  const d = diagnose(CASES.database);
  assert.match(d.text, /40\.0 ms of 40\.\d ms/);
  assert.match(d.text, /photos\.user_id index is missing/);
});

test('process start-up cites processes per page and the handler time', () => {
  const d = diagnose(CASES['process-startup']);
  assert.match(d.text, /533 ms of app CPU/);
  assert.ok(
    d.evidence.some((e) => /1\.3\d? tasks \(processes and their threads\) created per dynamic page/.test(e)),
    d.evidence.join('\n'),
  );
});

test('a CGI script whose per-request set-up shows in Server-Timing is still start-up bound', () => {
  const m = CASES['process-startup'];
  const d = diagnose({ ...m, bench: summary(benchCore(3, { serverTiming: st(200, 1, 1) })) });
  assert.equal(d.bottleneck, 'process-startup', d.text);
});

test('machine-wide forks alone (another user of the box) are not start-up cost', () => {
  const m = CASES['process-startup'];
  const d = diagnose({ ...m, cpu: cpu({ 'app-1': 1.6 }, { forks: 40 }) });
  assert.notEqual(d.bottleneck, 'process-startup');
});

test('one core saturated names the process and what it leaves idle', () => {
  const d = diagnose(CASES['one-core']);
  assert.match(d.text, /app-1 uses 0\.97 cores/);
  assert.match(d.text, /leaves 1\.03 of 2 cores to the load generator \(0\.60\)/);
});

test('one core on a full machine: the single process holds most of its core, the generator the other', () => {
  const d = diagnose({ ...CASES['one-core'], cpu: cpu({ 'app-1': 0.84 }, { generator: 0.9, other: 0.1 }) });
  assert.equal(d.bottleneck, 'one-core', d.text);
});

test('one core idle: a single process pegged while the machine has room', () => {
  const d = diagnose({ ...CASES['one-core'], cpu: cpu({ 'app-1': 0.95 }, { generator: 0.3 }) });
  assert.match(d.text, /leaves 1\.05 of 2 cores idle/);
});

test('a single process at 0.7 cores on a machine with room is not one-core bound', () => {
  const d = diagnose({ ...CASES['one-core'], cpu: cpu({ 'app-1': 0.7 }, { generator: 0.3 }) });
  assert.notEqual(d.bottleneck, 'one-core');
});

test('a busy machine: the tentative verdict is still given', () => {
  const d = diagnose({ ...CASES['one-core'], cpu: cpu({ 'app-1': 0.97 }, { generator: 0.2, other: 0.7 }) });
  assert.equal(d.bottleneck, 'noisy-machine');
  assert.match(d.text, /other processes used 0\.70 cores.*Tentatively: One process, one core/);
  assert.ok(d.evidence.includes('tentative verdict: one-core'));
});

test('session time does not win over saturated app processes (it is wall time, not CPU)', () => {
  const d = diagnose({
    ...CASES['app-cpu'],
    bench: summary(benchCore(400, { serverTiming: st(3, 0.1, 0.2) })),
  });
  assert.equal(d.bottleneck, 'app-cpu');
});

test('without /proc samples the verdict is inconclusive, not a guess', () => {
  const { cpu: _c, ...m } = CASES['app-cpu'];
  assert.equal(diagnose(m).bottleneck, 'inconclusive');
});

test('assets carrying Server-Timing prove the app served them, whatever the topology says', () => {
  const core = benchCore(100, { serverTiming: st(0.05, 0.08, 0.1, 20_000) });
  const d = diagnose({ ...CASES['static-in-app'], bench: summary(core), staticFrom: 'cache' });
  assert.equal(d.bottleneck, 'static-in-app');
});

test('roles are classified: app processes, CGI children, front servers, caches', () => {
  assert.equal(roleKind('app-1'), 'app');
  assert.equal(roleKind('cluster'), 'app');
  assert.equal(roleKind('lighttpd/children'), 'app');
  assert.equal(roleKind('lighttpd'), 'front');
  assert.equal(roleKind('nginx'), 'front');
  assert.equal(roleKind('nginx/children'), 'front');
  assert.equal(roleKind('memcached'), 'cache');
  assert.equal(roleKind('redis'), 'cache');
});

test('static-in-app on a busy machine even when the app processes together stay under one core', () => {
  // The nginx run of a real ladder (2026-11-27): 95 % of requests static, answered by the app.
  const d = diagnose({
    runId: 'nginx',
    bench: summary(benchCore(100)),
    cpu: cpu({ 'app-1': 0.42, 'app-2': 0.42, 'nginx-worker-1': 0.55, redis: 0.03 }, { generator: 0.41 }),
    staticFrom: 'app',
  });
  assert.equal(d.bottleneck, 'static-in-app', d.text);
});

test('on PostgreSQL the database server is a role of its own, and the no-index rung shows it CPU-bound', () => {
  assert.equal(roleKind('postgres'), 'db');
  // The talk's Gryphon story: without the index the RDBMS burns the CPU, the app waits on it.
  const noIndex = diagnose({
    runId: 'memcached-noindex',
    variant: 'no-index',
    bench: summary(benchCore(20, { serverTiming: st(0.05, 40, 0.1) })),
    cpu: cpu({ 'app-1': 0.1, 'app-2': 0.1, nginx: 0.05, postgres: 1.5 }),
    staticFrom: 'cache',
  });
  assert.equal(noIndex.bottleneck, 'database');
  assert.match(noIndex.text, /index is missing/);
  assert.match(noIndex.text, /The database server uses 1\.50 cores: the RDBMS is CPU-bound\./);
  // A saturated server names itself even when each page's query still looks short to the app.
  const busyServer = diagnose({
    runId: 'nginx',
    bench: summary(benchCore(300, { serverTiming: st(0.1, 0.6, 0.3) })),
    cpu: cpu({ 'app-1': 0.3, 'app-2': 0.3, nginx: 0.1, postgres: 1.1 }),
    staticFrom: 'app',
  });
  assert.equal(busyServer.bottleneck, 'database');
  assert.match(busyServer.text, /^The database is the limit: .*database server \(1\.10 of 1\.80 cores\)/);
  // SQLite has no server process: nothing changes for it.
  assert.equal(roleKind('app-1'), 'app');
});

test("on PostgreSQL the app's query time is wall time: a pegged app process is still 'one-core'", () => {
  const pgSingle = diagnose({
    runId: 'single',
    bench: summary(benchCore(800, { serverTiming: st(0.1, 2.6, 0.9) })),
    cpu: cpu({ 'app-1': 0.95, postgres: 0.15 }, { generator: 0.7 }),
    staticFrom: 'app',
  });
  assert.equal(pgSingle.bottleneck, 'one-core');
  // Nothing short of CPU: then the pages do wait on the database's round trips.
  const waiting = diagnose({
    runId: 'nginx',
    bench: summary(benchCore(200, { serverTiming: st(0.1, 3, 0.5) })),
    cpu: cpu({ 'app-1': 0.2, 'app-2': 0.2, nginx: 0.1, postgres: 0.1 }),
    staticFrom: 'app',
  });
  assert.equal(waiting.bottleneck, 'database');
  assert.match(waiting.text, /not CPU-bound \(0\.10 cores\): pages wait on its round trips/);
});
