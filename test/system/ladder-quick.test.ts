/**
 * The real ladder, in-process through the CLI with a fake Io: `ladder --quick` against every real
 * stage (nginx, memcached, lighttpd, redis-server), its own fresh 500-user database in a temp
 * directory. Stages spawn the compiled CLI: run `npm run build` first (npm test's pretest does).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { stopAllServices } from '../../src/daemons/supervisor.js';
import type { LadderReport } from '../../src/report/report-types.js';
import { userIdIndexExists } from '../../src/store/sqlite-index.js';
import { fakeIo } from '../helpers/fake-io.js';
import { requireServer } from '../helpers/prereq.js';
import { reportValidator } from '../helpers/validate-report.js';

const SERVERS: Array<[string, string]> = [
  ['nginx', 'nginx'],
  ['memcached', 'memcached'],
  ['redis-server', 'redis-server'],
  ['lighttpd', 'lighttpd'],
];

test('ladder --quick: every stage measured or reported with a reason; report.json valid', {
  timeout: 240_000,
}, async (t) => {
  // In CI every server must be there (a missing one fails here); elsewhere the ladder skips its stages.
  if (process.env.CI === 'true') for (const [bin, pkg] of SERVERS) requireServer(t, bin, pkg);
  const cwd = mkdtempSync(join(tmpdir(), 'fk-ladder-quick-'));
  t.after(async () => {
    await stopAllServices();
    rmSync(cwd, { recursive: true, force: true });
  });
  const io = fakeIo({ cwd });
  const out = join(cwd, 'out', 'quick');
  const code = await runCli(['ladder', '--quick', '--out', out], io);
  const stderr = io.err.join('');
  assert.ok(code === 0 || code === 1, `exit ${code}\n${stderr}`);

  const report: LadderReport = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  const validate = reportValidator();
  assert.equal(validate(report), true, JSON.stringify(validate.errors, null, 2));
  assert.deepEqual(
    report.runs.map((r) => r.id),
    ['cgi', 'single', 'nginx', 'memcached', 'cluster', 'nginx-static', 'proxy-cache', 'memcached-noindex'],
  );
  for (const r of report.runs) {
    if (r.status === 'ok') {
      assert.ok(r.bench!.totals.pageViews > 0, `${r.id}: page views`);
      assert.ok(r.diagnosis!.text.length > 0, `${r.id}: diagnosis`);
      assert.ok(r.cpu && r.cpu.roles.length > 0, `${r.id}: CPU per role`);
    } else {
      assert.ok((r.reason ?? '').length > 0, `${r.id} is ${r.status} without a reason`);
    }
  }
  assert.equal(
    code === 1,
    report.runs.some((r) => r.status === 'failed'),
    'exit 1 exactly when a stage failed',
  );
  assert.ok(
    report.runs.some((r) => r.status === 'ok'),
    `no stage was measured:\n${stderr}`,
  );
  assert.equal(userIdIndexExists(join(cwd, 'data', 'quick.db')), true, 'the index is back');
  assert.ok(existsSync(join(out, 'index.html')));
  const stdout = io.out.join('');
  assert.match(stdout, /stage\s+talk req\/s\s+page views\/s/);
  assert.match(stdout, /Report: .*index\.html/);
  t.diagnostic(stdout);
});
