import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisClient } from '../../src/clients/redis/client.js';
import { freePort } from '../../src/daemons/free-port.js';
import { startRedis } from '../../src/daemons/redis.js';
import { isFkError } from '../../src/errors.js';
import { fakePeer, redisServer } from '../helpers/backend-servers.js';
import { requireServer } from '../helpers/prereq.js';

const server = redisServer();
const dir = mkdtempSync(join(tmpdir(), 'fk-redis-client-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const code = (e: unknown) => (isFkError(e) ? e.code : String(e));

test('values are binary-safe: all 256 byte values, CRLF inside, empty, 3 MB', async (t) => {
  const r = await server(t);
  if (r === undefined) return;
  const c = new RedisClient(r.url);
  t.after(() => c.close());
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const big = Buffer.alloc(3 * 1024 * 1024, 0x5a);
  big[big.length - 1] = 0x0d;
  for (const [key, value] of [
    ['all', all],
    ['crlf', Buffer.from('$5\r\n*1\r\n-ERR\r\n')],
    ['empty', Buffer.alloc(0)],
    ['big', big],
  ] as const) {
    assert.equal(await c.set(key, value), true);
    assert.deepEqual(await c.getBuffer(key), value, key);
  }
  assert.equal(await c.get('ключ-missing'), null);
});

test('SET NX PX, GETEX, PEXPIRE, PTTL, DEL, EVAL and error replies', async (t) => {
  const r = await server(t);
  if (r === undefined) return;
  const c = new RedisClient(r.url);
  t.after(() => c.close());
  assert.equal(await c.set('lock', 'me', { nx: true, px: 10_000 }), true);
  assert.equal(await c.set('lock', 'you', { nx: true, px: 10_000 }), false);
  assert.equal(await c.set('absent', 'x', { xx: true }), false);
  assert.equal(await c.getex('lock', { px: 60_000 }), 'me');
  const ttl = await c.pttl('lock');
  assert.ok(ttl > 10_000 && ttl <= 60_000, String(ttl));
  assert.equal(await c.pexpire('lock', 5000), true);
  assert.equal(await c.pexpire('absent', 5000), false);
  // Release-if-owner, the field notes' lock pattern: one atomic script.
  const release =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
  assert.equal(await c.eval(release, ['lock'], ['you']), 0);
  assert.equal(await c.eval(release, ['lock'], ['me']), 1);
  assert.equal(await c.del('lock', 'absent'), 0);
  await assert.rejects(c.command(['NOSUCHCOMMAND']), (e) => code(e) === 'E_BACKEND_PROTOCOL');
  assert.equal(await c.ping(), 'PONG', 'an error reply leaves the connection usable');
});

test('pipelining: thousands of interleaved commands on one connection get their own replies', async (t) => {
  const r = await server(t);
  if (r === undefined) return;
  const c = new RedisClient(r.url, { commandTimeoutMs: 5000 });
  t.after(() => c.close());
  const ops: Array<Promise<unknown>> = [];
  for (let i = 0; i < 3000; i++) {
    ops.push(c.set(`p${i}`, i % 700 === 0 ? Buffer.alloc(200_000, i % 256) : `v${i}`));
    ops.push(i % 700 === 0 ? c.getBuffer(`p${i}`) : c.get(`p${i}`));
    if (i % 5 === 0) ops.push(c.command(['NOSUCHCOMMAND']).catch((e: Error) => e));
  }
  const results = await Promise.all(ops);
  let k = 0;
  for (let i = 0; i < 3000; i++) {
    assert.equal(results[k++], true);
    const v = results[k++];
    if (i % 700 === 0) assert.deepEqual(v, Buffer.alloc(200_000, i % 256));
    else assert.equal(v, `v${i}`);
    if (i % 5 === 0) assert.ok(results[k++] instanceof Error);
  }
});

test('a database number in the URL is selected on every (re)connection', async (t) => {
  const r = await server(t);
  if (r === undefined) return;
  const db0 = new RedisClient(r.url);
  const db5 = new RedisClient(`${r.url}/5`);
  t.after(() => Promise.all([db0.close(), db5.close()]));
  await db5.set('only-in-5', 'x');
  assert.equal(await db0.get('only-in-5'), null);
  assert.equal(await db5.get('only-in-5'), 'x');
});

test('server killed mid-run: pending and new commands reject, then the client reconnects after a restart', async (t) => {
  if (requireServer(t, 'redis-server', 'redis-server') === undefined) return;
  const port = await freePort();
  let r = await startRedis(dir, { port, role: 'redis-kill' });
  t.after(() => r.service.stop());
  const c = new RedisClient(`${r.url}/1`, { retryDelayMs: 50 });
  t.after(() => c.close());
  assert.equal(await c.set('k', 'v'), true);
  const inFlight = Array.from({ length: 2000 }, () => c.get('k'));
  const killed = r.service.stop(0);
  const settled = await Promise.allSettled(inFlight);
  await killed;
  for (const s of settled) {
    if (s.status === 'rejected') assert.equal(code(s.reason), 'E_BACKEND_UNAVAILABLE', String(s.reason));
    else assert.equal(s.value, 'v');
  }
  await assert.rejects(c.get('k'), (e) => code(e) === 'E_BACKEND_UNAVAILABLE');
  r = await startRedis(dir, { port, role: 'redis-kill' });
  await sleep(60); // past the fail-fast window
  assert.equal(await c.get('k'), null, 'a fresh, empty server (no persistence)');
  assert.equal(await c.set('k', 'again'), true);
  assert.equal(await c.get('k'), 'again');
});

const fakeRedis = async (t: TestContext, onData: Parameters<typeof fakePeer>[1]) =>
  `redis://127.0.0.1:${await fakePeer(t, onData)}`;

test('a peer answering garbage gives E_BACKEND_PROTOCOL for every pending command, without a crash', async (t) => {
  const url = await fakeRedis(t, (s) => s.write('SSH-2.0-OpenSSH_9.2\r\n'));
  const c = new RedisClient(url);
  t.after(() => c.close());
  const results = await Promise.allSettled([c.ping(), c.get('a'), c.set('b', 'c')]);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.equal(code(r.reason), 'E_BACKEND_PROTOCOL');
  }
  assert.match((results[0] as PromiseRejectedResult).reason.message, /SSH-2\.0/);
});

test('a silent peer, a half reply, a closing peer, a closed port: rejections within the timeouts, no hang', async (t) => {
  const silent = await fakeRedis(t, () => {});
  const half = await fakeRedis(t, (s) => s.write('$100\r\nonly a few bytes'));
  const closing = await fakeRedis(t, (s) => s.destroy());
  const closedPort = `redis://127.0.0.1:${await freePort()}`;
  for (const [url, what] of [
    [silent, /no reply within 200 ms/],
    [half, /no reply within 200 ms/],
    [closing, /connection (lost|closed)/],
    [closedPort, /cannot connect: ECONNREFUSED/],
  ] as const) {
    const c = new RedisClient(url, { commandTimeoutMs: 200, connectTimeoutMs: 200 });
    await assert.rejects(
      c.ping(),
      (e) => code(e) === 'E_BACKEND_UNAVAILABLE' && what.test((e as Error).message),
    );
    await c.close();
  }
});

test('a refused AUTH fails that connection only; the next connection starts clean', async (t) => {
  let connections = 0;
  const answered = new WeakSet<Socket>();
  const url = await fakeRedis(t, (s) => {
    if (answered.has(s)) return;
    answered.add(s);
    // First connection: AUTH refused, followed by a reply that must not leak into the next one.
    s.write(
      ++connections === 1 ? '-WRONGPASS invalid username-password pair\r\n+STALE\r\n' : '+OK\r\n+PONG\r\n',
    );
  });
  const c = new RedisClient(url.replace('redis://', 'redis://:secret@'));
  t.after(() => c.close());
  await assert.rejects(
    c.ping(),
    (e) => code(e) === 'E_BACKEND_PROTOCOL' && /WRONGPASS/.test((e as Error).message),
  );
  assert.equal(await c.ping(), 'PONG');
  assert.equal(connections, 2);
});
