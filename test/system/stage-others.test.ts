import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { appSmokeCase } from '../conformance/app-smoke.case.js';
import { rawHttpFetch } from '../helpers/app-raw-client.js';
import { login, removeSeededDb, request, startStage, staticLinks } from '../helpers/stage-fixture.js';

// The talk's "other options", each started for real with 2 workers and sessions in Redis.
after(removeSeededDb);

/** Logs in, then GETs until two different workers have answered (each must see the session). */
async function sharedSession(url: string, userId: number): Promise<Set<string>> {
  const { cookie } = await login(url, userId);
  const seenBy = new Set<string>();
  // node:cluster hands connections to whichever worker is free first: usually alternating, not always.
  for (let i = 0; i < 40 && seenBy.size < 2; i++) {
    const r = await request(url, '/users/1', { cookie });
    assert.equal(r.status, 200);
    assert.match(r.body, new RegExp(`data-user-id="${userId}"`));
    seenBy.add(r.headers.get('x-served-by') ?? '');
  }
  return seenBy;
}

test('stage cluster: node:cluster workers on one port, sessions shared', async (t) => {
  const st = await startStage(t, 'cluster');
  if (!st) return;
  const roles = st.processes().map((p) => p.role);
  for (const role of ['cluster-primary', 'app-1', 'app-2'])
    assert.ok(roles.includes(role), `${role} missing from ${roles.join(', ')}`);
  assert.ok(!roles.includes('nginx'), 'no proxy in front');
  const front = await request(st.url, '/');
  assert.equal(front.status, 200);
  for (const path of staticLinks(front.body)) assert.equal((await request(st.url, path)).status, 200, path);
  // Round-robin hand-off by the primary: both workers answer, each sees the session.
  assert.equal((await sharedSession(st.url, 4)).size, 2);
  assert.equal((await request(st.url, '/static/%FF.css')).status, 400);
  assert.equal((await request(st.url, '/users/%zz')).status, 400);
  assert.equal((await request(st.url, '/')).status, 200, 'still serving after bad input');
  await t.test('the app smoke suite, replayed through the cluster', async (t) => {
    await appSmokeCase(t, rawHttpFetch(st.url), { servedBy: /^app-\d+$/ });
  });
});

test('stage nginx-static: nginx serves /static from disk, the app the pages', async (t) => {
  const st = await startStage(t, 'nginx-static');
  if (!st) return;
  const front = await request(st.url, '/');
  assert.match(front.headers.get('x-served-by') ?? '', /^app-\d+$/);
  const page = await request(st.url, '/users/3');
  const links = staticLinks(front.body + page.body);
  assert.ok(
    links.some((u) => u.includes('thumbs/')),
    'a thumbnail is among the links',
  );
  for (const path of links) {
    const r = await request(st.url, path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get('x-served-by'), 'nginx-static', path);
    const etag = r.headers.get('etag');
    assert.ok(etag, `${path} has an ETag`);
    assert.equal(r.headers.get('expires'), null, 'expires off');
    const again = await request(st.url, path, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304, path);
  }
  assert.equal((await request(st.url, '/static/no-such.css')).status, 404);
  // Outside the static root: nginx resolves the dot segment to /fk.db, which the app does not
  // know (404), and a directory is never listed: not a file, so try_files hands it to the app (404).
  assert.equal((await request(st.url, '/static/../fk.db')).status, 404);
  assert.equal((await request(st.url, '/static/')).status, 404);
  assert.equal((await sharedSession(st.url, 6)).size, 2);
  await t.test('the app smoke suite, replayed through nginx-static', async (t) => {
    await appSmokeCase(t, rawHttpFetch(st.url), { servedBy: /^app-\d+$/ });
  });
});

test('stage proxy-cache: anonymous pages cached briefly, logged-in pages never shared', async (t) => {
  const st = await startStage(t, 'proxy-cache');
  if (!st) return;

  await t.test('static files: MISS then HIT', async () => {
    const front = await request(st.url, '/');
    const css = staticLinks(front.body).find((u) => u.endsWith('.css'))!;
    assert.equal((await request(st.url, css)).headers.get('x-cache-status'), 'MISS');
    const hit = await request(st.url, css);
    assert.equal(hit.headers.get('x-cache-status'), 'HIT');
    assert.equal(hit.status, 200);
  });

  await t.test('anonymous pages are served from the cache within their TTL', async () => {
    const first = await request(st.url, '/users/20');
    assert.ok(['MISS', 'EXPIRED'].includes(first.headers.get('x-cache-status') ?? ''));
    const second = await request(st.url, '/users/20');
    // Within 1 s it is a HIT; on a slow machine the entry may just have expired.
    assert.ok(['HIT', 'EXPIRED', 'UPDATING'].includes(second.headers.get('x-cache-status') ?? ''));
    assert.equal(second.body.includes('Logged in as'), false);
  });

  await t.test('a logged-in page is never served from the cache, to anyone', async () => {
    const alice = await login(st.url, 8);
    const bob = await login(st.url, 9);
    for (let round = 0; round < 3; round++) {
      const a = await request(st.url, '/users/30', { cookie: alice.cookie });
      assert.equal(a.headers.get('x-cache-status'), 'BYPASS');
      assert.match(a.body, /data-user-id="8"/);
      const b = await request(st.url, '/users/30', { cookie: bob.cookie });
      assert.equal(b.headers.get('x-cache-status'), 'BYPASS');
      assert.match(b.body, /data-user-id="9"/);
      assert.doesNotMatch(b.body, /data-user-id="8"/);
      // The anonymous visitor of the same URL never sees either of them.
      const anon = await request(st.url, '/users/30');
      assert.doesNotMatch(anon.body, /Logged in as|data-user-id="[89]"/);
    }
  });

  await t.test('the login response (Set-Cookie) is not cached', async () => {
    const one = await login(st.url, 12);
    const two = await login(st.url, 12);
    assert.notEqual(one.cookie, two.cookie, 'each login is a new session');
  });

  await t.test('the app smoke suite, replayed through the cache', async (t) => {
    await appSmokeCase(t, rawHttpFetch(st.url), { servedBy: /^app-\d+$/ });
  });
});
