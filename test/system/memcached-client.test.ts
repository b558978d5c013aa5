import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiskSource } from '../../src/assets/disk-source.js';
import { MemcachedFillSource } from '../../src/assets/memcached-fill-source.js';
import { MemcachedClient } from '../../src/clients/memcached/client.js';
import { MemcachedCluster } from '../../src/clients/memcached/cluster.js';
import { freePort } from '../../src/daemons/free-port.js';
import { startMemcached } from '../../src/daemons/memcached.js';
import { startService } from '../../src/daemons/supervisor.js';
import { isFkError } from '../../src/errors.js';
import { rawHttpFetch } from '../helpers/app-raw-client.js';
import { fakePeer, memcachedServer } from '../helpers/backend-servers.js';
import { requireServer } from '../helpers/prereq.js';

const server = memcachedServer();
const dir = mkdtempSync(join(tmpdir(), 'fk-mc-client-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const code = (e: unknown) => (isFkError(e) ? e.code : String(e));

test('values are binary-safe: all 256 byte values, CRLF and END inside, empty', async (t) => {
  const mc = await server(t);
  if (mc === undefined) return;
  const c = new MemcachedClient(mc.addr);
  t.after(() => c.close());
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const tricky = Buffer.from('\r\nEND\r\nVALUE x 0 1\r\n\0');
  for (const [key, value] of [
    ['all', all],
    ['tricky', tricky],
    ['empty', Buffer.alloc(0)],
  ] as const) {
    assert.equal(await c.set(key, value, { flags: 1024 }), true);
    const item = await c.get(key);
    assert.deepEqual(item?.value, value, key);
    assert.equal(item?.flags, 1024);
  }
  assert.equal(await c.set('maxflags', 'x', { flags: 0xffffffff }), true);
  assert.equal((await c.get('maxflags'))?.flags, 0xffffffff);
});

test('the 1 MB item limit: just under is stored whole; over is "not stored" and the connection stays in step', async (t) => {
  const mc = await server(t);
  if (mc === undefined) return;
  const c = new MemcachedClient(mc.addr);
  t.after(() => c.close());
  const under = Buffer.alloc(1024 * 1024 - 512, 0xab);
  under[0] = 0;
  under[under.length - 1] = 0xff;
  assert.equal(await c.set('under', under), true);
  assert.deepEqual((await c.get('under'))?.value, under);
  const [over, after] = await Promise.all([c.set('over', Buffer.alloc(1024 * 1024 + 1)), c.version()]);
  assert.equal(over, false);
  assert.match(after, /^\d+\.\d+/, 'the swallowed data block did not desynchronise the next reply');
  assert.equal(await c.get('over'), undefined);
});

test('pipelining: thousands of interleaved commands on one connection get their own replies', async (t) => {
  const mc = await server(t);
  if (mc === undefined) return;
  const c = new MemcachedClient(mc.addr, { commandTimeoutMs: 5000 });
  t.after(() => c.close());
  const big = Buffer.alloc(300_000, 7);
  const ops: Array<Promise<unknown>> = [];
  for (let i = 0; i < 3000; i++) {
    ops.push(c.set(`p${i}`, i % 500 === 0 ? big : `v${i}`));
    ops.push(c.get(`p${i}`));
    if (i % 3 === 0) ops.push(c.delete(`p${i}`));
  }
  const results = await Promise.all(ops);
  let k = 0;
  for (let i = 0; i < 3000; i++) {
    assert.equal(results[k++], true);
    const item = results[k++] as { value: Buffer } | undefined;
    assert.deepEqual(item?.value, i % 500 === 0 ? big : Buffer.from(`v${i}`), `p${i}`);
    if (i % 3 === 0) assert.equal(results[k++], true);
  }
  assert.equal(await c.get('p3'), undefined);
  assert.equal((await c.get('p4'))?.value.toString(), 'v4');
});

test('add, cas, touch, gat and delete answer as memcached documents', async (t) => {
  const mc = await server(t);
  if (mc === undefined) return;
  const c = new MemcachedClient(mc.addr);
  t.after(() => c.close());
  assert.equal(await c.add('a1', 'x'), true);
  assert.equal(await c.add('a1', 'y'), false);
  const g = await c.gets('a1');
  assert.equal(typeof g?.cas, 'bigint');
  assert.equal(await c.cas('a1', 'z', g!.cas!), 'STORED');
  assert.equal(await c.cas('a1', 'w', g!.cas!), 'EXISTS');
  assert.equal(await c.cas('nope', 'w', 1n), 'NOT_FOUND');
  assert.equal(await c.touch('a1', 100), true);
  assert.equal(await c.touch('nope', 100), false);
  assert.equal((await c.gat(100, 'a1'))?.value.toString(), 'z');
  assert.equal(await c.delete('a1'), true);
  assert.equal(await c.delete('a1'), false);
  await assert.rejects(c.get('bad key'), (e) => code(e) === 'E_BACKEND_PROTOCOL');
  await assert.rejects(c.set('k'.repeat(251), 'x'), (e) => code(e) === 'E_BACKEND_PROTOCOL');
});

test('server killed mid-run: pending and new commands reject, then the client reconnects after a restart', async (t) => {
  if (requireServer(t, 'memcached', 'memcached') === undefined) return;
  const port = await freePort();
  let mc = await startMemcached(dir, { port, role: 'memcached-kill' });
  t.after(() => mc.service.stop());
  const c = new MemcachedClient(mc.addr, { retryDelayMs: 50 });
  t.after(() => c.close());
  assert.equal(await c.set('k', 'v'), true);
  const inFlight = Array.from({ length: 2000 }, (_, i) => c.get(i % 2 ? 'k' : 'missing'));
  const killed = mc.service.stop(0);
  const settled = await Promise.allSettled(inFlight);
  await killed;
  for (const s of settled) {
    if (s.status === 'rejected') assert.equal(code(s.reason), 'E_BACKEND_UNAVAILABLE', String(s.reason));
  }
  await assert.rejects(c.get('k'), (e) => code(e) === 'E_BACKEND_UNAVAILABLE');
  await assert.rejects(c.get('k'), (e) => code(e) === 'E_BACKEND_UNAVAILABLE');
  mc = await startMemcached(dir, { port, role: 'memcached-kill' });
  await sleep(60); // past the fail-fast window
  assert.equal(await c.set('k', 'again'), true);
  assert.equal((await c.get('k'))?.value.toString(), 'again');
});

const fakeMemcached = async (t: TestContext, onData: Parameters<typeof fakePeer>[1]) =>
  `127.0.0.1:${await fakePeer(t, onData)}`;

test('a peer answering garbage gives E_BACKEND_PROTOCOL, for every pending command, without a crash', async (t) => {
  const addr = await fakeMemcached(t, (s) =>
    s.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
  );
  const c = new MemcachedClient(addr);
  t.after(() => c.close());
  const results = await Promise.allSettled([c.get('a'), c.set('b', 'x'), c.version()]);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.equal(code(r.reason), 'E_BACKEND_PROTOCOL');
  }
  assert.match(String((results[0] as PromiseRejectedResult).reason.message), /HTTP\/1\.1 400/);
});

test('a silent peer, a half reply, a closing peer, a closed port: rejections within the timeouts, no hang', async (t) => {
  const silent = await fakeMemcached(t, () => {});
  const half = await fakeMemcached(t, (s) => s.write('VALUE a 0 100\r\nonly a few bytes'));
  const closing = await fakeMemcached(t, (s) => s.destroy());
  const closedPort = `127.0.0.1:${await freePort()}`;
  for (const [addr, what] of [
    [silent, /no reply within 200 ms/],
    [half, /no reply within 200 ms/],
    [closing, /connection (lost|closed)/],
    [closedPort, /cannot connect: ECONNREFUSED/],
  ] as const) {
    const c = new MemcachedClient(addr, { commandTimeoutMs: 200, connectTimeoutMs: 200 });
    await assert.rejects(
      c.get('a'),
      (e) => code(e) === 'E_BACKEND_UNAVAILABLE' && what.test((e as Error).message),
    );
    await c.close();
  }
});

test('nginx finds what the fill source stored: nginxMemcachedKey is the key nginx asks for', async (t) => {
  if (requireServer(t, 'nginx', 'nginx') === undefined) return;
  const mc = await server(t);
  if (mc === undefined) return;
  const root = join(dir, 'static');
  const files: Record<string, Buffer> = {
    'plain.css': Buffer.from('body{}'),
    'a b%25 c.css': Buffer.from('spaces and a percent'),
    'café 東京.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0xff]),
    "q'&+=;@.js": Buffer.from('punctuation'),
  };
  mkdirSync(root, { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileSync(join(root, name), body);
  const fill = new MemcachedFillSource(new DiskSource(root), new MemcachedCluster([mc.addr]));
  t.after(() => fill.close());
  for (const name of Object.keys(files)) assert.ok(await fill.get(name));
  await fill.flush();
  assert.equal(fill.stats.stored, Object.keys(files).length);

  const ngxDir = join(dir, 'nginx');
  mkdirSync(join(ngxDir, 'tmp'), { recursive: true });
  const port = await freePort();
  // A miss answers 418 so that a wrong key cannot pass for a hit.
  writeFileSync(
    join(ngxDir, 'nginx.conf'),
    `daemon off; worker_processes 1; pid ${ngxDir}/nginx.pid; error_log ${ngxDir}/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${ngxDir}/tmp/body; proxy_temp_path ${ngxDir}/tmp/proxy;
  fastcgi_temp_path ${ngxDir}/tmp/fastcgi; uwsgi_temp_path ${ngxDir}/tmp/uwsgi; scgi_temp_path ${ngxDir}/tmp/scgi;
  types { text/css css; image/png png; text/javascript js; }
  server {
    listen 127.0.0.1:${port};
    location /static/ {
      set $memcached_key $uri;
      memcached_pass ${mc.addr};
      memcached_connect_timeout 500ms; memcached_read_timeout 500ms;
      error_page 404 502 504 = @miss;
    }
    location @miss { return 418; }
  }
}
`,
  );
  const nginx = await startService({
    role: 'nginx',
    command: 'nginx',
    args: ['-p', ngxDir, '-c', join(ngxDir, 'nginx.conf'), '-e', join(ngxDir, 'error.log')],
    logFile: join(ngxDir, 'stdout.log'),
    readyPort: port,
  });
  t.after(() => nginx.stop());
  const get = rawHttpFetch(`http://127.0.0.1:${port}`);
  const fetch = (target: string) => get({ method: 'GET', target });
  for (const [name, body] of Object.entries(files)) {
    const path = `/static/${encodeURIComponent(name).replace(/'/g, '%27')}`;
    const res = await fetch(path);
    assert.equal(res.status, 200, `${path} (file ${JSON.stringify(name)})`);
    assert.deepEqual(res.body, body, path);
  }
  assert.equal((await fetch('/static/not-there.css')).status, 418);
});
