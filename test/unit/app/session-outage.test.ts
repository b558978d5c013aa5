import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MemorySessionStore } from '../../../src/session/memory-store.js';
import type { SessionStore } from '../../../src/session/session-store.js';
import { handlerFetch } from '../../conformance/app-smoke.case.js';
import { openTestApp, smallDatabase } from '../../helpers/app-fixture.js';

/** A store that works until `down` is set, then fails every call like a dead Redis. A fake, not a mock. */
class FlakyStore implements SessionStore {
  readonly kind = 'redis' as const;
  down = false;
  private readonly inner = new MemorySessionStore();
  private check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6390');
  }
  async create(userId: number, ttlMs: number) {
    this.check();
    return this.inner.create(userId, ttlMs);
  }
  async touch(id: string, ttlMs: number) {
    this.check();
    return this.inner.touch(id, ttlMs);
  }
  async destroy(id: string) {
    this.check();
    return this.inner.destroy(id);
  }
  async close() {
    await this.inner.close();
  }
}

let db: ReturnType<typeof smallDatabase>;
before(() => {
  db = smallDatabase();
});
after(() => db.remove());

const form = { 'content-type': 'application/x-www-form-urlencoded' };

test('session store outage: pages render logged out and marked, login/logout are 503, one warning', async () => {
  const store = new FlakyStore();
  const warnings: string[] = [];
  const errors: unknown[] = [];
  const app = openTestApp({
    dbPath: db.dbPath,
    sessions: store,
    onWarning: (m) => warnings.push(m),
    onError: (e) => errors.push(e),
  });
  try {
    const fetch = handlerFetch(app.handler);
    const logged = await fetch({ method: 'POST', target: '/login', headers: form, body: 'user=3' });
    assert.equal(logged.status, 303);
    const cookie = String(logged.headers['set-cookie']).split(';')[0]!;
    assert.match(
      (await fetch({ method: 'GET', target: '/users/3', headers: { cookie } })).body.toString(),
      /data-user-id="3"/,
    );

    store.down = true;
    for (let i = 0; i < 5; i++) {
      const r = await fetch({ method: 'GET', target: '/users/3', headers: { cookie } });
      assert.equal(r.status, 200);
      assert.doesNotMatch(r.body.toString(), /data-user-id="3"/);
      assert.equal(r.headers['x-session-store'], 'unavailable');
      assert.equal(r.headers['set-cookie'], undefined, 'cookie kept: the session is back with the store');
    }
    const anon = await fetch({ method: 'GET', target: '/users/4' });
    assert.equal(anon.headers['x-session-store'], undefined, 'no cookie, no store call, nothing degraded');
    const login = await fetch({ method: 'POST', target: '/login', headers: form, body: 'user=4' });
    assert.equal(login.status, 503);
    assert.equal(login.headers['retry-after'], '5');
    const logout = await fetch({ method: 'POST', target: '/logout', headers: { cookie } });
    assert.equal(logout.status, 503);
    assert.equal(warnings.length, 1, `one warning per outage window, got ${warnings.length}`);
    assert.match(
      warnings[0]!,
      /session store \(redis\) unavailable, serving as logged out: connect ECONNREFUSED/,
    );
    assert.equal(errors.length, 0, 'an outage is not a 500');

    store.down = false;
    const back = await fetch({ method: 'GET', target: '/users/3', headers: { cookie } });
    assert.match(back.body.toString(), /data-user-id="3"/, 'logged in again once the store is back');
  } finally {
    await app.close();
  }
});
