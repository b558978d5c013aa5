import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BenchOptions } from '../../src/bench/api.js';
import { defaultSettings, planRuns } from '../../src/ladder/plan.js';
import { runLadder } from '../../src/ladder/run-ladder.js';
import { smokeCheck } from '../../src/ladder/smoke-check.js';
import type { LadderDeps, LadderInput } from '../../src/ladder/types.js';
import type { LadderReport } from '../../src/report/report-types.js';
import type { CheckedStage } from '../../src/stages/registry.js';
import type { OpenTarget } from '../../src/store/db-target.js';
import { seedDatabase } from '../../src/store/seed.js';
import { createUserIdIndex, dropUserIdIndex, userIdIndexExists } from '../../src/store/sqlite-index.js';
import { fakeBench, fakeStage } from '../helpers/fake-stage.js';
import { reportValidator } from '../helpers/validate-report.js';

let dir: string;
let dbPath: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fk-ladder-'));
  dbPath = join(dir, 'data', 'ladder.db');
  seedDatabase({ dbPath, users: 50, seed: 1, force: false });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const path = (t: OpenTarget) => (t.kind === 'sqlite' ? t.path : assert.fail('a SQLite ladder'));

function deps(stages: Record<string, CheckedStage>, runBench = fakeBench([])): LadderDeps {
  return {
    loadStage: async (n) => stages[n] ?? fakeStage(n),
    runBench,
    smokeCheck,
    index: { drop: async (t) => dropUserIdIndex(path(t)), create: async (t) => createUserIdIndex(path(t)) },
    machineInfo: async () => ({
      cores: 2,
      cpuModel: 'fake',
      memoryBytes: 1,
      os: 'Linux',
      node: '20',
      versions: {},
      generatorSharesMachine: true,
    }),
    selfPid: process.pid,
    ticksPerS: 100,
  };
}

/**
 * runLadder, its report checked against schemas/ladder-report.schema.json: what the code produces
 * (startMs, benchFile, logDir, CPU from the real /proc) must be what the schema describes.
 */
async function runChecked(inp: LadderInput, d: LadderDeps): Promise<LadderReport> {
  const report = await runLadder(inp, d);
  const validate = reportValidator();
  assert.equal(validate(JSON.parse(JSON.stringify(report))), true, JSON.stringify(validate.errors, null, 2));
  return report;
}

function input(ids: string[], signal = new AbortController().signal, lines: string[] = []): LadderInput {
  return {
    runs: ids.length > 0 ? planRuns(ids) : [],
    settings: {
      ...defaultSettings(true, dir),
      db: { kind: 'sqlite', path: dbPath },
      durationMs: 300,
      warmupMs: 0,
    },
    db: { kind: 'sqlite', path: dbPath },
    dbProcesses: () => [],
    data: { users: 50, smokeUser: { id: 7, names: ['User 7'] } },
    quick: true,
    outDir: join(dir, `out-${Math.random().toString(36).slice(2)}`),
    log: (l) => lines.push(l),
    signal,
  };
}

test('every stage gets the same browser-like workload; ok runs get figures, CPU and a diagnosis', async () => {
  const calls: BenchOptions[] = [];
  const report = await runChecked(input(['cgi', 'single']), deps({}, fakeBench(calls)));
  assert.equal(report.runs.length, 2);
  for (const r of report.runs) {
    assert.equal(r.status, 'ok', r.reason);
    assert.ok(r.bench!.totals.pageViews > 0);
    assert.ok(r.cpu?.roles.some((x) => x.role === 'app-1'));
    assert.ok(r.diagnosis!.text.length > 0);
  }
  assert.equal(calls.length, 2);
  const c = calls[0]!;
  assert.match(c.urls[0]!, /^http:\/\/127\.0\.0\.1:\d+\/users\/\{1\.\.50\}$/);
  assert.match(c.login!, /^POST http:\/\/127\.0\.0\.1:\d+\/login user=\{1\.\.50\}$/);
  assert.equal(c.page, true);
  assert.equal(calls[1]!.connections, c.connections, 'same -c for every stage');
  assert.equal(report.runs[1]!.baseline, 'cgi');
  assert.equal(report.runs[1]!.speedup, 1);
  assert.ok(Math.abs(report.runs[1]!.talkSpeedup! - 139 / 23) < 1e-9);
});

test('a missing prerequisite skips with the install command; a failed start or smoke check fails; the rest run', async () => {
  const report = await runChecked(
    input(['cgi', 'single', 'nginx', 'memcached']),
    deps({
      cgi: fakeStage('cgi', { missingBinary: 'no-such-binary-fk' }),
      single: fakeStage('single', { failStart: true }),
      nginx: fakeStage('nginx', { wrongName: true }),
    }),
  );
  const [cgi, single, nginx, memcached] = report.runs;
  assert.equal(cgi!.status, 'skipped');
  assert.deepEqual(cgi!.install, ['apt-get install no-such-binary-fk-pkg']);
  assert.equal(single!.status, 'failed');
  assert.equal(single!.reason, 'app-1 exited during start-up: boom');
  assert.equal(nginx!.status, 'failed');
  assert.match(nginx!.reason!, /does not show the user's name/);
  assert.equal(memcached!.status, 'ok');
  assert.equal(memcached!.baseline, undefined, 'no baseline ran');
});

test('the no-index run drops the index and recreates it afterwards', async () => {
  let existedDuring: boolean | undefined;
  const bench = fakeBench([]);
  const report = await runChecked(
    input(['memcached-noindex']),
    deps({}, async (o, h) => {
      existedDuring = userIdIndexExists(dbPath);
      return bench(o, h);
    }),
  );
  assert.equal(report.runs[0]!.status, 'ok');
  assert.equal(existedDuring, false);
  assert.equal(userIdIndexExists(dbPath), true);
});

test('Ctrl-C during the no-index run: the stage is stopped, the index is back, the rest are not run', async () => {
  const ctl = new AbortController();
  let pid: number | undefined;
  const stage = fakeStage('memcached');
  const watched: CheckedStage = {
    ...stage,
    start: async (o) => {
      const s = await stage.start(o);
      pid = s.processes()[0]!.pid;
      return s;
    },
  };
  const lines: string[] = [];
  // A bench that never finishes on its own, and ignores its signal: the ladder must not wait for it.
  // The no-index run first, then another (the planner would put it last: set the order by hand).
  const inp = {
    ...input([], ctl.signal, lines),
    runs: [...planRuns(['memcached-noindex']), ...planRuns(['cluster'])],
  };
  const report = await runChecked(
    inp,
    deps({ memcached: watched }, async () => {
      setTimeout(() => ctl.abort(new Error('SIGINT')), 100);
      return new Promise(() => {});
    }),
  );
  assert.equal(userIdIndexExists(dbPath), true);
  assert.equal(report.interrupted, true);
  assert.equal(report.runs[0]!.status, 'skipped');
  assert.match(report.runs[0]!.reason!, /interrupted/);
  assert.equal(report.runs[1]!.reason, 'interrupted before it started');
  assert.throws(() => process.kill(pid!, 0), { code: 'ESRCH' }, 'the stage process is gone');
  assert.ok(lines.some((l) => /index recreated/.test(l)));
});

test('Ctrl-C while a stage is starting is an interruption, not a failure of the stage', async () => {
  const ctl = new AbortController();
  const stage = fakeStage('single');
  const slow: CheckedStage = {
    ...stage,
    start: async (o) => {
      const s = await stage.start(o);
      ctl.abort(new Error('SIGINT'));
      return s;
    },
  };
  const report = await runChecked(input(['single'], ctl.signal), deps({ single: slow }));
  assert.equal(report.runs[0]!.status, 'skipped');
  assert.match(report.runs[0]!.reason!, /interrupted/);
});
