import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { listen } from '../../src/server/node-http.js';
import { appSmokeCase } from '../conformance/app-smoke.case.js';
import { openTestApp, smallDatabase } from '../helpers/app-fixture.js';
import { rawHttpFetch } from '../helpers/app-raw-client.js';

// The same smoke suite over a real socket through the node:http adapter, plus what only the
// adapter does: limits, keep-alive timing, X-Served-By, surviving a throwing handler.
let db: ReturnType<typeof smallDatabase>;
let app: ReturnType<typeof openTestApp>;
let server: Awaited<ReturnType<typeof listen>>;
before(async () => {
  db = smallDatabase();
  app = openTestApp({ dbPath: db.dbPath });
  server = await listen(app.handler, { port: 0 });
});
after(async () => {
  await server.close();
  await app.close();
  db.remove();
});

test('the app smoke suite over node:http', async (t) => {
  await appSmokeCase(t, rawHttpFetch(server.url), { servedBy: new RegExp(`^app-${process.pid}$`) });
});

test('keep-alive outlasts nginx upstream idle time (field notes: 5 s default → 502s)', () => {
  assert.ok(server.server.keepAliveTimeout >= 60_000);
  assert.ok(server.server.headersTimeout > server.server.keepAliveTimeout);
});

test('a chunked body over the limit is a 413, and the server keeps serving', async () => {
  const res = await new Promise<string>((resolve, reject) => {
    const u = new URL(server.url);
    const sock = connect(Number(u.port), u.hostname);
    let text = '';
    sock.on('data', (c) => {
      text += c.toString('latin1');
    });
    sock.on('close', () => resolve(text));
    sock.on('error', (e) => (text ? resolve(text) : reject(e)));
    sock.write(
      'POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const chunk = 'a'.repeat(1000);
    for (let i = 0; i < 6; i++) sock.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    sock.end('0\r\n\r\n');
  });
  assert.match(res, /^HTTP\/1\.1 413 /);
  assert.equal((await rawHttpFetch(server.url)({ method: 'GET', target: '/' })).status, 200);
});

test('garbage on the wire is a 400, never a crash', async () => {
  const text = await new Promise<string>((resolve) => {
    const u = new URL(server.url);
    const sock = connect(Number(u.port), u.hostname);
    let out = '';
    sock.on('data', (c) => {
      out += c.toString('latin1');
    });
    sock.on('close', () => resolve(out));
    sock.on('error', () => resolve(out));
    sock.end('GARBAGE\x00\x01 / HTTP/9.9\r\n\r\n');
  });
  assert.match(text, /^HTTP\/1\.1 400 /);
  assert.equal((await rawHttpFetch(server.url)({ method: 'GET', target: '/users/1' })).status, 200);
});

test('a handler that throws gives a plain 500 without a stack, and the error goes to onError', async (t) => {
  const seen: unknown[] = [];
  const broken = await listen(
    async () => {
      throw new Error('kaboom at secret/place.ts:1:2');
    },
    { port: 0, onError: (e) => seen.push(e) },
  );
  t.after(() => broken.close());
  const r = await rawHttpFetch(broken.url)({ method: 'GET', target: '/' });
  assert.equal(r.status, 500);
  assert.doesNotMatch(r.body.toString(), /kaboom|secret/);
  assert.equal(seen.length, 1);
});

test('a port in use is E_PORT_IN_USE', async () => {
  const port = Number(new URL(server.url).port);
  await assert.rejects(listen(app.handler, { port }), { code: 'E_PORT_IN_USE' });
});
