import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DbSessionStore } from '../../../src/session/db-store.js';
import { MemorySessionStore } from '../../../src/session/memory-store.js';
import { SESSION_ID_RE, SESSION_TTL_MS, type SessionStore } from '../../../src/session/session-store.js';
import { handlerFetch } from '../../conformance/app-smoke.case.js';
import { openTestApp, smallDatabase } from '../../helpers/app-fixture.js';

let db: ReturnType<typeof smallDatabase>;
before(() => {
  db = smallDatabase();
});
after(() => db.remove());

// The same behaviour from both stores this engineer owns (redis/memcached have their own suite).
for (const kind of ['memory', 'db'] as const) {
  test(`${kind} store: create, touch slides expiry, expired and destroyed are gone`, async () => {
    let now = 1_000_000;
    const clock = () => now;
    const store: SessionStore =
      kind === 'db' ? new DbSessionStore(db.dbPath, clock) : new MemorySessionStore(clock);
    try {
      const s = await store.create(7, 1000);
      assert.match(s.id, SESSION_ID_RE);
      assert.deepEqual(s, { id: s.id, userId: 7, createdAt: now, expiresAt: now + 1000 });
      now += 900;
      assert.equal((await store.touch(s.id, 1000))?.expiresAt, now + 1000, 'slid');
      now += 900; // 1800 ms after creation: alive only because touch slid it
      assert.equal((await store.touch(s.id, 1000))?.userId, 7);
      now += 1001;
      assert.equal(await store.touch(s.id, 1000), undefined, 'expired');
      const s2 = await store.create(8, 1000);
      await store.destroy(s2.id);
      assert.equal(await store.touch(s2.id, 1000), undefined, 'destroyed');
      assert.equal(await store.touch('not-an-id', 1000), undefined);
      assert.notEqual((await store.create(1, 1000)).id, (await store.create(1, 1000)).id);
    } finally {
      await store.close();
    }
  });
}

test('the db store is shared between processes through the file (two connections here)', async () => {
  const a = new DbSessionStore(db.dbPath);
  const b = new DbSessionStore(db.dbPath);
  try {
    const s = await a.create(3, SESSION_TTL_MS);
    assert.equal((await b.touch(s.id, SESSION_TTL_MS))?.userId, 3);
    await b.destroy(s.id);
    assert.equal(await a.touch(s.id, SESSION_TTL_MS), undefined);
  } finally {
    await a.close();
    await b.close();
  }
});

/** A session store that counts calls: anonymous requests must not reach it. */
class CountingStore extends MemorySessionStore {
  touches = 0;
  override async touch(id: string, ttl: number) {
    this.touches++;
    return super.touch(id, ttl);
  }
}

test('no cookie, no session lookup; with a cookie, one touch per dynamic request, none for static', async () => {
  const sessions = new CountingStore();
  const app = openTestApp({ dbPath: db.dbPath, sessions });
  try {
    const fetch = handlerFetch(app.handler);
    await fetch({ method: 'GET', target: '/users/1' });
    await fetch({ method: 'GET', target: '/' });
    assert.equal(sessions.touches, 0);
    const login = await fetch({
      method: 'POST',
      target: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: 'user=5',
    });
    const cookie = (login.headers['set-cookie'] as string[])[0]!.split(';')[0]!;
    const page = await fetch({ method: 'GET', target: '/users/1', headers: { cookie } });
    assert.equal(sessions.touches, 1);
    assert.match(page.body.toString(), /data-user-id="5"/);
    assert.match(String(page.headers['cache-control']), /private/);
    assert.equal(page.headers.vary, 'Cookie');
    await fetch({ method: 'GET', target: '/static/site.css', headers: { cookie } });
    assert.equal(sessions.touches, 1);
  } finally {
    await app.close();
  }
});

test('a stale cookie is cleared; a session whose user vanished is logged out', async () => {
  const sessions = new MemorySessionStore();
  const app = openTestApp({ dbPath: db.dbPath, sessions });
  try {
    const fetch = handlerFetch(app.handler);
    const stale = await fetch({
      method: 'GET',
      target: '/users/1',
      headers: { cookie: `fk_session=${'a'.repeat(32)}` },
    });
    assert.match((stale.headers['set-cookie'] as string[])[0]!, /^fk_session=;.*Max-Age=0/);
    const ghost = await sessions.create(99_999, SESSION_TTL_MS);
    const r = await fetch({ method: 'GET', target: '/', headers: { cookie: `fk_session=${ghost.id}` } });
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.body.toString(), /data-user-id/);
  } finally {
    await app.close();
  }
});

test('logging in again ends the previous session and issues a new id', async () => {
  const sessions = new MemorySessionStore();
  const app = openTestApp({ dbPath: db.dbPath, sessions });
  try {
    const fetch = handlerFetch(app.handler);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const first = await fetch({ method: 'POST', target: '/login', headers: form, body: 'user=2' });
    const id1 = /fk_session=([0-9a-f]{32})/.exec(String(first.headers['set-cookie']))![1]!;
    const second = await fetch({
      method: 'POST',
      target: '/login',
      headers: { ...form, cookie: `fk_session=${id1}` },
      body: 'user=3',
    });
    const id2 = /fk_session=([0-9a-f]{32})/.exec(String(second.headers['set-cookie']))![1]!;
    assert.notEqual(id1, id2);
    assert.equal(await sessions.touch(id1, SESSION_TTL_MS), undefined);
    assert.equal((await sessions.touch(id2, SESSION_TTL_MS))?.userId, 3);
  } finally {
    await app.close();
  }
});
