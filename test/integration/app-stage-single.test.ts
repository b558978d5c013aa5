import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { canConnect, freePort } from '../../src/daemons/free-port.js';
import { CLI_ENTRY } from '../../src/paths.js';
import { loadStage } from '../../src/stages/registry.js';
import { appSmokeCase } from '../conformance/app-smoke.case.js';
import { smallDatabase } from '../helpers/app-fixture.js';
import { rawHttpFetch } from '../helpers/app-raw-client.js';

// Stage `single` through its StageDefinition, as the ladder drives it (spawns dist/: build first).
let db: ReturnType<typeof smallDatabase>;
before(() => {
  assert.ok(existsSync(CLI_ENTRY), `${CLI_ENTRY} is missing: run npx tsc -p tsconfig.build.json`);
  db = smallDatabase();
});
after(() => db.remove());

test('stage single: one app process on the chosen port, the smoke suite, stop by PID', async (t) => {
  const stage = await loadStage('single');
  assert.equal(stage.talk?.version, '0.2');
  assert.deepEqual(stage.prerequisites({ db: { kind: 'sqlite', path: db.dbPath } }), []);
  const port = await freePort();
  const lines: string[] = [];
  const running = await stage.start({
    db: { kind: 'sqlite', path: db.dbPath },
    port,
    runDir: db.dir,
    log: (l) => lines.push(l),
  });
  t.after(() => running.stop());
  assert.equal(running.url, `http://127.0.0.1:${port}`);
  assert.equal(running.name, 'single');
  const procs = running.processes();
  assert.equal(procs.length, 1);
  assert.equal(procs[0]!.role, 'app-1');
  assert.ok(lines.some((l) => l.includes(String(port))));
  const pid = procs[0]!.pid;
  await t.test('the app smoke suite through stage single', async (t2) => {
    await appSmokeCase(t2, rawHttpFetch(running.url), { servedBy: new RegExp(`^app-${pid}$`) });
  });
  await running.stop();
  await running.stop(); // idempotent
  assert.deepEqual(running.processes(), []);
  assert.equal(await canConnect(port), false);
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
});

test('stage single on a port in use is E_PORT_IN_USE before anything starts', async (t) => {
  const stage = await loadStage('single');
  const first = await stage.start({ db: { kind: 'sqlite', path: db.dbPath }, runDir: db.dir });
  t.after(() => first.stop());
  const port = Number(new URL(first.url).port);
  await assert.rejects(stage.start({ db: { kind: 'sqlite', path: db.dbPath }, port, runDir: db.dir }), {
    code: 'E_PORT_IN_USE',
  });
  assert.equal(first.processes().length, 1, 'the first one still runs');
});
