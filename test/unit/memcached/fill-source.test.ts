import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Asset, AssetSource } from '../../../src/assets/asset-source.js';
import { type FillTarget, MemcachedFillSource } from '../../../src/assets/memcached-fill-source.js';
import { FkError } from '../../../src/errors.js';

/** A disk source stand-in: files by relative path. */
function fakeDisk(files: Record<string, Buffer>): AssetSource {
  return {
    get: async (rel) =>
      files[rel] === undefined
        ? undefined
        : ({
            path: `/static/${rel}`,
            body: files[rel],
            contentType: 'x/y',
            etag: '"e"',
            lastModified: new Date(0),
          } as Asset),
    close: async () => {},
  };
}

interface Call {
  server: string;
  key: string;
  value: Buffer;
  resolve: (ok: boolean) => void;
  reject: (e: Error) => void;
}

/**
 * memcached stand-ins whose set() the test answers by hand. `order(uri)` is the ring's try order
 * (default: the one server); a cluster's real ring is tested in test/unit/memcached/ketama.test.ts.
 */
function fakeTarget(servers = ['127.0.0.1:1'], order: (uri: string) => string[] = () => servers) {
  const calls: Call[] = [];
  const client = (server: string) => ({
    addr: server,
    set: (key: string, value: Buffer) =>
      new Promise<boolean>((resolve, reject) => calls.push({ server, key, value, resolve, reject })),
  });
  const target: FillTarget = {
    servers,
    tryOrder: (uri) => order(uri).map(client),
    close: async () => {},
  };
  return { calls, client: target };
}

/** Lets the fill source react to answered calls (its next try is a microtask away). */
const settle = () => new Promise((r) => setImmediate(r));

test('serves from the inner source at once and stores the bytes under nginx’s key, in the background', async () => {
  const body = Buffer.from([0, 1, 2, 255]);
  const { calls, client } = fakeTarget();
  const src = new MemcachedFillSource(fakeDisk({ 'a b%.css': body }), client);
  const asset = await src.get('a b%.css'); // resolves although set() has not been answered
  assert.deepEqual(asset?.body, body);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.key, '/static/a%20b%25.css');
  assert.deepEqual(calls[0]!.value, body);
  calls[0]!.resolve(true);
  await src.flush();
  assert.equal(src.stats.stored, 1);
  assert.equal(await src.get('missing.css'), undefined);
  assert.equal(calls.length, 1, 'nothing to fill for a missing file');
});

test('a file is not rewritten while its fill is pending or was just stored; it is after refillAfterMs', async () => {
  let now = 1000;
  const { calls, client } = fakeTarget();
  const src = new MemcachedFillSource(fakeDisk({ 'x.png': Buffer.from('x') }), client, {
    refillAfterMs: 5000,
    now: () => now,
  });
  await Promise.all([src.get('x.png'), src.get('x.png'), src.get('x.png')]);
  assert.equal(calls.length, 1, 'in flight: one fill');
  calls[0]!.resolve(true);
  await src.flush();
  await src.get('x.png');
  assert.equal(calls.length, 1, 'recently stored');
  now += 5001; // e.g. memcached evicted it and nginx sends us the miss again
  await src.get('x.png');
  assert.equal(calls.length, 2);
  calls[1]!.resolve(true);
  await src.flush();
});

test('files over the item size and keys over 250 bytes are skipped, not sent', async () => {
  const { calls, client } = fakeTarget();
  const src = new MemcachedFillSource(
    fakeDisk({ 'big.png': Buffer.alloc(2048), [`${'d'.repeat(250)}.css`]: Buffer.from('x') }),
    client,
    { maxItemBytes: 1024 },
  );
  assert.equal((await src.get('big.png'))?.body.length, 2048, 'still served');
  await src.get(`${'d'.repeat(250)}.css`);
  assert.equal(calls.length, 0);
  assert.equal(src.stats.tooLarge, 1);
  assert.equal(src.stats.badKey, 1);
});

test('the queue is bounded: beyond maxInFlight + maxQueue, fills are dropped and responses unaffected', async () => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 20; i++) files[`f${i}.css`] = Buffer.from(String(i));
  const { calls, client } = fakeTarget();
  const src = new MemcachedFillSource(fakeDisk(files), client, { maxInFlight: 2, maxQueue: 3 });
  for (let i = 0; i < 20; i++) assert.ok(await src.get(`f${i}.css`));
  assert.equal(calls.length, 2, 'two in flight');
  assert.equal(src.stats.dropped, 20 - 2 - 3);
  // Answer whatever is in flight until the queue has drained into memcached.
  while (calls.length > 0) {
    for (const c of calls.splice(0)) c.resolve(true);
    await new Promise((r) => setImmediate(r));
  }
  await src.flush();
  assert.equal(src.stats.stored, 5);
});

test('a memcached outage is logged once, never thrown; recovery is logged and filling resumes', async () => {
  const log: string[] = [];
  const { calls, client } = fakeTarget();
  const files = { 'a.css': Buffer.from('a'), 'b.css': Buffer.from('b'), 'c.css': Buffer.from('c') };
  const src = new MemcachedFillSource(fakeDisk(files), client, { log: (l) => log.push(l) });
  const down = new FkError('E_BACKEND_UNAVAILABLE', 'memcached 127.0.0.1:1: cannot connect: ECONNREFUSED');
  await src.get('a.css');
  await src.get('b.css');
  for (const c of calls.splice(0)) c.reject(down);
  await src.flush();
  assert.equal(src.stats.failed, 2);
  assert.equal(log.length, 1);
  assert.match(log[0]!, /ECONNREFUSED/);
  await src.get('a.css'); // failed fills are retried on the next miss
  assert.equal(calls.length, 1);
  calls[0]!.resolve(true);
  await src.flush();
  assert.equal(log.length, 2);
  assert.match(log[1]!, /is back/);
  await src.close();
});

test('several servers: each file goes to the server the ring names for its $uri, under nginx’s key', async () => {
  const { calls, client } = fakeTarget(['a:1', 'b:1'], (uri) =>
    uri.includes('left') ? ['a:1', 'b:1'] : ['b:1', 'a:1'],
  );
  const src = new MemcachedFillSource(
    fakeDisk({ 'left 1.css': Buffer.from('l'), 'right%.css': Buffer.from('r') }),
    client,
  );
  await src.get('left 1.css');
  await src.get('right%.css');
  assert.deepEqual(
    calls.map((c) => [c.server, c.key]),
    [
      ['a:1', '/static/left%201.css'],
      ['b:1', '/static/right%25.css'],
    ],
  );
  for (const c of calls.splice(0)) c.resolve(true);
  await src.flush();
  assert.equal(src.stats.stored, 2);
  assert.equal(src.stats.failedOver, 0);
});

test('its server failing, a file goes to the next server nginx tries; that stand-in copy is not remembered', async () => {
  const log: string[] = [];
  const { calls, client } = fakeTarget(['a:1', 'b:1', 'c:1'], () => ['a:1', 'c:1', 'b:1']);
  const src = new MemcachedFillSource(
    fakeDisk({ 'x.css': Buffer.from('x'), 'y.css': Buffer.from('y') }),
    client,
    {
      log: (l) => log.push(l),
    },
  );
  const down = new FkError('E_BACKEND_UNAVAILABLE', 'memcached a:1: cannot connect: ECONNREFUSED');
  await src.get('x.css');
  await src.get('y.css');
  for (const c of calls.splice(0)) c.reject(down);
  await settle();
  assert.deepEqual(
    calls.map((c) => c.server),
    ['c:1', 'c:1'],
    'second choice of the ring, not the second server listed',
  );
  for (const c of calls.splice(0)) c.resolve(true);
  await src.flush();
  assert.equal(src.stats.failedOver, 2);
  assert.equal(src.stats.stored, 0);
  assert.equal(log.length, 1, 'one line for the outage of a:1, not one per file');
  assert.match(log[0]!, /next server nginx tries.*a:1: cannot connect/);
  // Not remembered: once a:1 is back, nginx's next miss for x.css must fill a:1 again.
  await src.get('x.css');
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.server, 'a:1');
  calls[0]!.resolve(true);
  await src.flush();
  assert.equal(src.stats.stored, 1);
  assert.match(log[1]!, /a:1 is back/);
});

test('a file whose every server fails counts as failed, each server’s outage logged once', async () => {
  const log: string[] = [];
  const { calls, client } = fakeTarget(['a:1', 'b:1'], () => ['a:1', 'b:1']);
  const src = new MemcachedFillSource(fakeDisk({ 'x.css': Buffer.from('x') }), client, {
    log: (l) => log.push(l),
  });
  await src.get('x.css');
  calls.shift()!.reject(new FkError('E_BACKEND_UNAVAILABLE', 'memcached a:1: down'));
  await settle();
  calls.shift()!.reject(new FkError('E_BACKEND_UNAVAILABLE', 'memcached b:1: down'));
  await src.flush();
  assert.equal(src.stats.failed, 1);
  assert.equal(src.stats.failedOver, 0);
  assert.equal(log.length, 2);
  await src.get('x.css');
  assert.equal(calls.length, 1, 'retried on the next miss');
  calls.shift()!.reject(new FkError('E_BACKEND_UNAVAILABLE', 'memcached a:1: down'));
  await settle();
  calls.shift()!.reject(new FkError('E_BACKEND_UNAVAILABLE', 'memcached b:1: down'));
  await src.flush();
  assert.equal(log.length, 2, 'still the same outages');
});
