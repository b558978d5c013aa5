import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isFkError } from '../../src/errors.js';
import { childPids, isRunning, processUid } from '../../src/proc/stat.js';
import { loadStage } from '../../src/stages/registry.js';
import { appSmokeCase } from '../conformance/app-smoke.case.js';
import { rawHttpFetch } from '../helpers/app-raw-client.js';
import { busyPort, login, removeSeededDb, request, seededDb, startStage } from '../helpers/stage-fixture.js';

// The talk's 0.3 for real: nginx in front of 2 app processes, sessions in a Redis of our own.
after(removeSeededDb);

/** Running, and not a zombie waiting for a parent that is not us (PID 1 here is not systemd). */
const alive = (pid: number) => isRunning(pid);

test('stage nginx: N app processes behind nginx, sharing nothing', async (t) => {
  const st = await startStage(t, 'nginx');
  if (!st) return;
  const procs = st.processes();

  await t.test('processes() lists nginx, its worker, two app processes and redis, all alive', () => {
    const roles = procs.map((p) => p.role);
    const expected = ['nginx', 'nginx-worker-1', 'app-1', 'app-2'];
    if (process.env.FK_TEST_SESSIONS === undefined) expected.push('redis');
    for (const role of expected) assert.ok(roles.includes(role), `${role} missing from ${roles.join(', ')}`);
    for (const p of procs) assert.ok(alive(p.pid), `${p.role} (${p.pid}) is not running`);
  });

  await t.test('nginx runs from the run directory, its workers as our own user', () => {
    const conf = readFileSync(join(st.runDir, 'nginx.conf'), 'utf8');
    assert.match(conf, /^daemon off;/m);
    const worker = procs.find((p) => p.role === 'nginx-worker-1')!;
    // As root, without `user root;` the workers would be `nobody` and could not use the 0700 run dir.
    assert.equal(processUid(worker.pid), process.getuid!());
  });

  await t.test('requests are balanced over both workers', async () => {
    const servedBy = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const r = await request(st.url, `/users/${1 + i}`);
      assert.equal(r.status, 200);
      servedBy.add(r.headers.get('x-served-by') ?? '');
    }
    const appPids = procs.filter((p) => p.role.startsWith('app-')).map((p) => `app-${p.pid}`);
    assert.deepEqual([...servedBy].sort(), appPids.sort());
  });

  await t.test('a session created through one worker is seen by the other', async () => {
    const { cookie, servedBy } = await login(st.url, 7);
    assert.match(servedBy, /^app-\d+$/);
    const seenBy = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await request(st.url, '/users/3', { cookie });
      assert.equal(r.status, 200);
      assert.match(r.body, /data-user-id="7"/, 'logged in as user 7 on every worker');
      seenBy.add(r.headers.get('x-served-by') ?? '');
    }
    assert.equal(seenBy.size, 2, 'both workers answered');
    assert.ok(seenBy.has(servedBy), 'including the one that did not create it');
  });

  await t.test('bad input is a 4xx, and no worker dies of it', async () => {
    const cases: Array<[string, number]> = [
      ['/static/%FF.css', 400],
      ['/users/%zz', 400],
      ['/users/%00', 400],
      ['/static/../../etc/passwd', 400],
      ['/users/0', 404],
      ['/users/99999999999999999999', 404],
      ['/nope', 404],
    ];
    for (const [path, status] of cases) {
      const r = await request(st.url, path);
      assert.equal(r.status, status, path);
    }
    const big = await request(st.url, `/users/${'1'.repeat(3000)}`);
    assert.equal(big.status, 414);
    const post = await request(st.url, '/users/1', { method: 'POST', body: 'x=1' });
    assert.equal(post.status, 405);
    for (const p of procs) assert.ok(alive(p.pid), `${p.role} died`);
    assert.equal((await request(st.url, '/')).status, 200);
  });

  await t.test('the app smoke suite, replayed through nginx', async (t) => {
    await appSmokeCase(t, rawHttpFetch(st.url), { servedBy: /^app-\d+$/ });
  });

  await t.test('a front port already in use is E_PORT_IN_USE, and nothing is left running', async (t) => {
    const port = await busyPort(t);
    const def = await loadStage('nginx');
    const childrenBefore = childPids(process.pid);
    const tmpBefore = readdirSync(tmpdir()).filter((n) => n.startsWith('fk-nginx-'));
    await assert.rejects(
      def.start({ db: { kind: 'sqlite', path: seededDb() }, workers: 1, port }),
      (e) => isFkError(e) && e.code === 'E_PORT_IN_USE',
    );
    // Every daemon a stage starts is our child until it exits: none may be new. Nor its temp run dir.
    const started = childPids(process.pid).filter((pid) => !childrenBefore.includes(pid) && isRunning(pid));
    assert.deepEqual(started, [], 'no process of the refused stage is running');
    const tmpAfter = readdirSync(tmpdir()).filter((n) => n.startsWith('fk-nginx-') && !tmpBefore.includes(n));
    assert.deepEqual(tmpAfter, [], 'no run directory was left behind');
  });

  await t.test('stop() ends every process by PID and is idempotent', async () => {
    await st.stop();
    await st.stop();
    for (const p of procs) assert.ok(!alive(p.pid), `${p.role} (${p.pid}) still running`);
  });
});
