import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { missingPrerequisites } from '../../src/daemons/prereq.js';
import { isFkError } from '../../src/errors.js';
import type { StageName } from '../../src/stages/registry.js';
import { loadStage } from '../../src/stages/registry.js';
import type { RunningStage } from '../../src/stages/stage.js';
import { requireServer } from '../helpers/prereq.js';
import {
  busyPort,
  login,
  removeSeededDb,
  request,
  requestUntilHit,
  seededDb,
  startStage,
  staticLinks,
} from '../helpers/stage-fixture.js';

// Failure behaviour of the nginx-family stages, each with the stage running for real.
after(removeSeededDb);

function pidOf(st: RunningStage, role: string): number {
  const p = st.processes().find((x) => x.role === role);
  assert.ok(p, `${role} in ${st.processes().map((x) => x.role)}`);
  return p.pid;
}

/** GETs from `concurrency` loops until `stopAt`; every status seen, counted. */
async function load(url: string, paths: string[], concurrency: number, until: Promise<void>) {
  const statuses = new Map<number, number>();
  let done = false;
  void until.then(() => {
    done = true;
  });
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!done) {
        const r = await request(url, paths[n++ % paths.length]!);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test('an app worker killed during a run: nginx routes around it, GETs see no 5xx', async (t) => {
  const st = await startStage(t, 'nginx');
  if (!st) return;
  const front = await request(st.url, '/');
  const paths = ['/', '/users/1', '/users/2', '/users/3', ...staticLinks(front.body)];
  const victim = pidOf(st, 'app-1');
  const run = load(st.url, paths, 4, sleep(1500));
  await sleep(400);
  process.kill(victim, 'SIGKILL');
  const statuses = await run;
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  const fivexx = [...statuses].filter(([s]) => s >= 500);
  assert.ok(total > 20, `a real run: ${total} requests`);
  assert.deepEqual(fivexx, [], `no 5xx among ${total}: ${JSON.stringify([...statuses])}`);
  assert.ok(!st.processes().some((p) => p.role === 'app-1'), 'the dead worker is no longer listed');
  // The survivor carries on alone.
  const r = await request(st.url, '/users/5');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-served-by'), `app-${pidOf(st, 'app-2')}`);
});

test('memcached stopped: static files are still served, through the app', async (t) => {
  const st = await startStage(t, 'memcached');
  if (!st) return;
  const css = staticLinks((await request(st.url, '/')).body).find((u) => u.endsWith('.css'))!;
  const original = await request(st.url, css);
  const hit = await requestUntilHit(st.url, css);
  assert.equal(hit.headers.get('x-cache'), 'HIT');
  process.kill(pidOf(st, 'memcached'), 'SIGKILL');
  await sleep(100);
  for (let i = 0; i < 5; i++) {
    const r = await request(st.url, css);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-cache'), 'MISS');
    assert.equal(r.body, original.body);
  }
  assert.equal((await request(st.url, '/users/4')).status, 200, 'pages too');
  for (const role of ['app-1', 'app-2'])
    assert.ok(
      st.processes().some((p) => p.role === role),
      `${role} alive`,
    );
});

test('redis stopped: pages render as logged out with a warning; login is a clear 503; no worker dies', async (t) => {
  const st = await startStage(t, 'nginx', { sessions: 'redis' });
  if (!st) return;
  const { cookie } = await login(st.url, 10);
  assert.match((await request(st.url, '/', { cookie })).body, /data-user-id="10"/);
  process.kill(pidOf(st, 'redis'), 'SIGKILL');
  await sleep(100);
  for (let i = 0; i < 4; i++) {
    // No cookie → no session lookup: anonymous page views do not depend on Redis at all.
    assert.equal((await request(st.url, '/users/2')).status, 200);
    // The chosen behaviour (docs/architecture.md): rendered as logged out, marked, cookie kept.
    const r = await request(st.url, '/users/2', { cookie });
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.body, /data-user-id="10"/);
    assert.equal(r.headers.get('x-session-store'), 'unavailable');
    assert.equal(r.headers.get('set-cookie'), null, 'the cookie is kept for when the store is back');
  }
  const denied = await request(st.url, '/login', {
    method: 'POST',
    body: 'user=11',
  });
  assert.equal(denied.status, 503);
  assert.equal(denied.headers.get('retry-after'), '5');
  for (const role of ['app-1', 'app-2'])
    assert.ok(
      st.processes().some((p) => p.role === role),
      `${role} alive`,
    );
  const appLog =
    readFileSync(join(st.runDir, 'app-1.log'), 'utf8') + readFileSync(join(st.runDir, 'app-2.log'), 'utf8');
  assert.match(appLog, /warning: session store \(redis\) unavailable, serving as logged out/);
  // Rate-limited: a handful of failing requests is one warning per worker, not one per request.
  assert.ok((appLog.match(/session store \(redis\) unavailable/g) ?? []).length <= 2);
});

test('cluster: a worker killed after start-up is replaced; the port keeps serving', async (t) => {
  const st = await startStage(t, 'cluster');
  if (!st) return;
  const before = pidOf(st, 'app-1');
  // Workers that die within 2 s of their start are a crash loop and are not replaced.
  await sleep(2200);
  process.kill(before, 'SIGKILL');
  let apps: number[] = [];
  for (let i = 0; i < 60; i++) {
    await sleep(100);
    apps = st
      .processes()
      .filter((p) => p.role.startsWith('app-'))
      .map((p) => p.pid);
    if (apps.length === 2 && !apps.includes(before)) break;
  }
  assert.equal(apps.length, 2, 'two workers again');
  assert.ok(!apps.includes(before));
  for (let i = 0; i < 6; i++) assert.equal((await request(st.url, '/users/3')).status, 200);
  assert.match(readFileSync(join(st.runDir, 'cluster.log'), 'utf8'), /died \(SIGKILL\); forking a new one/);
});

test('a front port in use is E_PORT_IN_USE for every stage of this family', async (t) => {
  if (!requireServer(t, 'nginx', 'nginx')) return;
  const port = await busyPort(t);
  for (const name of ['nginx', 'memcached', 'cluster', 'nginx-static', 'proxy-cache'] as StageName[]) {
    const def = await loadStage(name);
    await assert.rejects(
      def.start({ db: { kind: 'sqlite', path: seededDb() }, workers: 1, port, sessions: 'db' }),
      (e) => isFkError(e) && e.code === 'E_PORT_IN_USE' && e.message.includes(String(port)),
      name,
    );
  }
});

test('prerequisites name every daemon a stage needs, with its Debian package', async () => {
  const opts = { db: { kind: 'sqlite', path: 'x.db' } } as const;
  const bins = async (name: StageName, extra = {}) =>
    (await loadStage(name)).prerequisites({ ...opts, ...extra }).map((p) => `${p.binary}:${p.debianPackage}`);
  assert.deepEqual(await bins('nginx'), ['nginx:nginx', 'redis-server:redis-server']);
  assert.deepEqual(await bins('nginx', { redisUrl: 'redis://127.0.0.1:1' }), ['nginx:nginx']);
  assert.deepEqual(await bins('nginx', { sessions: 'db' }), ['nginx:nginx']);
  assert.deepEqual(await bins('memcached'), [
    'nginx:nginx',
    'redis-server:redis-server',
    'memcached:memcached',
  ]);
  assert.deepEqual(await bins('nginx-static', { sessions: 'memcached' }), [
    'nginx:nginx',
    'memcached:memcached',
  ]);
  assert.deepEqual(await bins('proxy-cache'), ['nginx:nginx', 'redis-server:redis-server']);
  assert.deepEqual(await bins('cluster'), ['redis-server:redis-server']);
  assert.deepEqual(await bins('cluster', { sessions: 'db' }), []);
  // What start/serve prints when one is missing: the package and the command that installs it.
  const missing = missingPrerequisites([{ binary: 'fk-no-such-nginx', debianPackage: 'nginx' }]);
  assert.deepEqual(
    missing.map((m) => m.install),
    ['apt-get install nginx'],
  );
});

test('a missing database is E_DB_MISSING before anything starts', async () => {
  for (const name of ['nginx', 'cluster'] as StageName[]) {
    const def = await loadStage(name);
    await assert.rejects(
      def.start({ db: { kind: 'sqlite', path: '/nonexistent/fk.db' }, workers: 1, sessions: 'db' }),
      (e) => isFkError(e) && e.code === 'E_DB_MISSING',
    );
  }
});
