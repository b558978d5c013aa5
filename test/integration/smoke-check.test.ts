import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { extractAssets } from '../../src/bench/extract-assets.js';
import { freePort } from '../../src/daemons/free-port.js';
import { smokeCheck } from '../../src/ladder/smoke-check.js';

// The smoke check fetches the list the bench's virtual users will fetch: its extractAssets.
test('smoke-checked assets: img, script and link; same origin only; relative resolved; no duplicates', () => {
  const html = `<link rel="stylesheet" href="/static/site.css"><script src='/static/app.js'></script>
    <img alt="x" src="/static/thumbs/t0001.png"><img src="/static/thumbs/t0001.png">
    <img src="https://cdn.example/x.png"><a href="/users/2">next</a><img src="data:image/png;base64,AA">`;
  assert.deepEqual(extractAssets(html, 'http://127.0.0.1:9/users/1'), [
    '/static/site.css',
    '/static/app.js',
    '/static/thumbs/t0001.png',
  ]);
});

// A tiny stand-in for the app: login sets fk_session; /users/7 shows Zoë <O'Brien>; one asset may 404.
let server: Server;
let base: string;
let brokenAsset = false;
let wrongName = false;
before(async () => {
  server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/login') {
      res.writeHead(303, {
        location: '/',
        'set-cookie': 'fk_session=0123456789abcdef0123456789abcdef; HttpOnly; Path=/',
      });
      return res.end();
    }
    if (req.url === '/users/7') {
      if (!req.headers.cookie?.includes('fk_session=')) return res.writeHead(403).end();
      res.writeHead(200, { 'content-type': 'text/html' });
      const name = wrongName ? 'Somebody Else' : 'Zoë &lt;O&#39;Brien&gt;';
      return res.end(
        `<h1>${name}</h1><link rel="stylesheet" href="/static/site.css"><img src="/static/a.png">`,
      );
    }
    if (req.url === '/static/site.css') return res.writeHead(200).end('body{}');
    if (req.url === '/static/a.png') return res.writeHead(brokenAsset ? 404 : 200).end('png');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const user = { id: 7, names: ["Zoë <O'Brien>", 'zoe7'] };

test("a good page passes: logged in, the user's (escaped) name shown, every asset 200", async () => {
  brokenAsset = false;
  wrongName = false;
  assert.deepEqual(await smokeCheck(base, user), { ok: true, assets: 2 });
});

test('a broken asset fails the check with the asset named', async () => {
  brokenAsset = true;
  const r = await smokeCheck(base, user);
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'asset /static/a.png answered 404');
  brokenAsset = false;
});

test("another user's page fails the check", async () => {
  wrongName = true;
  const r = await smokeCheck(base, user);
  assert.equal(r.ok, false);
  assert.match(r.reason!, /does not show the user's name/);
  wrongName = false;
});

test('no login cookie, or nothing listening, is one line', async () => {
  const r = await smokeCheck(`${base}/nowhere`, user);
  assert.equal(r.ok, false);
  assert.match(r.reason!, /without a fk_session cookie/);
  const dead = await smokeCheck(`http://127.0.0.1:${await freePort()}`, user);
  assert.equal(dead.ok, false);
  assert.match(dead.reason!, /smoke check failed: ECONNREFUSED/);
});
