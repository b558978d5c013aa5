import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { appSmokeCase } from '../conformance/app-smoke.case.js';
import { rawHttpFetch } from '../helpers/app-raw-client.js';
import {
  login,
  removeSeededDb,
  request,
  requestUntilHit,
  startStage,
  staticLinks,
} from '../helpers/stage-fixture.js';

// The talk's 0.4 for real: nginx asks memcached first for /static, the app fills it on a miss.
after(removeSeededDb);

test('stage memcached: static files from memcached, filled by the app', async (t) => {
  const st = await startStage(t, 'memcached');
  if (!st) return;

  const front = await request(st.url, '/');
  assert.equal(front.status, 200);
  const assets = staticLinks(front.body);
  assert.ok(assets.length >= 2, `the front page links static files: ${assets.join(', ')}`);

  await t.test('processes() lists memcached and redis next to nginx and the app', () => {
    const roles = st.processes().map((p) => p.role);
    for (const role of ['nginx', 'app-1', 'app-2', 'memcached'])
      assert.ok(roles.includes(role), `${role} missing from ${roles.join(', ')}`);
  });

  await t.test('first request MISS (served by the app), then HIT from memcached, same bytes', async () => {
    for (const path of assets) {
      const miss = await request(st.url, path);
      assert.equal(miss.status, 200, path);
      assert.equal(miss.headers.get('x-cache'), 'MISS', path);
      assert.match(miss.headers.get('x-served-by') ?? '', /^app-\d+$/);
      // The app fills memcached as it answers; the next request must find it there.
      const hit = await requestUntilHit(st.url, path);
      assert.equal(hit.headers.get('x-cache'), 'HIT', path);
      assert.equal(hit.status, 200);
      assert.equal(hit.headers.get('x-served-by'), null, 'no app process touched it');
      assert.equal(hit.body, miss.body, path);
      // nginx knows the type only from the extension (our own types {} block).
      assert.equal(hit.headers.get('content-type'), miss.headers.get('content-type'), path);
    }
  });

  await t.test('a thumbnail linked from a user page goes the same way', async () => {
    const page = await request(st.url, '/users/2');
    const thumb = staticLinks(page.body).find((u) => u.includes('thumbs/'));
    assert.ok(thumb, 'user page links a thumbnail');
    assert.equal((await request(st.url, thumb)).headers.get('x-cache'), 'MISS');
    const hit = await requestUntilHit(st.url, thumb);
    assert.equal(hit.headers.get('x-cache'), 'HIT');
    assert.equal(hit.headers.get('content-type'), 'image/png');
  });

  await t.test(
    'a missing or malformed static path falls through to the app: 404 / 400, not 5xx',
    async () => {
      const missing = await request(st.url, '/static/no-such-file.css');
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('x-cache'), 'MISS');
      assert.equal((await request(st.url, '/static/%FF.css')).status, 400);
      const climb = await request(st.url, '/static/%2e%2e/fk.db');
      assert.ok(climb.status === 400 || climb.status === 404, `database served? ${climb.status}`);
      // A key over memcached's 250 bytes makes nginx answer 502 from memcached: the app decides.
      const long = await request(st.url, `/static/${'a'.repeat(300)}.css`);
      assert.equal(long.status, 404);
    },
  );

  await t.test('the app smoke suite, replayed through nginx + memcached', async (t) => {
    // validators: false — a memcached hit carries no ETag or Last-Modified (field notes).
    await appSmokeCase(t, rawHttpFetch(st.url), { validators: false, servedBy: /^app-\d+$/ });
  });

  await t.test('sessions are shared by both workers', async () => {
    const { cookie } = await login(st.url, 11);
    const seenBy = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await request(st.url, '/', { cookie });
      assert.match(r.body, /data-user-id="11"/);
      seenBy.add(r.headers.get('x-served-by') ?? '');
    }
    assert.equal(seenBy.size, 2);
  });
});
