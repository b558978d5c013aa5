import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemcachedCluster } from '../../../src/clients/memcached/cluster.js';
import { ConsistentHashRing } from '../../../src/clients/memcached/ketama.js';
import { isFkError } from '../../../src/errors.js';

// Routing only: clients connect lazily, so nothing here opens a socket. The commands against
// real servers are in test/system/memcached-ring.test.ts.
const A = '127.0.0.1:11211';
const B = '127.0.0.1:11212';

test('each key goes to the client of the server the ring names', () => {
  const cluster = new MemcachedCluster([A, B]);
  const ring = new ConsistentHashRing([A, B]);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const key = `/static/f ${i}.css`;
    const addr = cluster.clientFor(key).addr;
    assert.equal(addr, ring.serverFor(key), key);
    assert.deepEqual(
      cluster.tryOrder(key).map((c) => c.addr),
      ring.tryOrder(key),
      key,
    );
    seen.add(addr);
  }
  assert.equal(seen.size, 2);
  // The vectors of ketama.test.ts, through the cluster.
  assert.equal(cluster.clientFor('/static/site.css').addr, B);
  assert.equal(cluster.clientFor('/static/wrap-290.css').addr, A);
});

test('one server: one client, the same object for every key, no ring', () => {
  const cluster = new MemcachedCluster([A]);
  const c = cluster.clientFor('/static/site.css');
  assert.equal(c.addr, A);
  assert.equal(cluster.clientFor('/static/wrap-290.css'), c);
  assert.equal(cluster.clientFor('fk:sess:x'), c);
  assert.deepEqual(cluster.tryOrder('/x'), [c]);
  assert.deepEqual(cluster.servers, [A]);
});

test('close() closes every client: later commands reject, whichever server they route to', async () => {
  const cluster = new MemcachedCluster([A, B]);
  await cluster.close();
  for (const key of ['/static/site.css', '/static/wrap-290.css']) {
    await assert.rejects(cluster.get(key), /client is closed/);
    await assert.rejects(cluster.set(key, 'x'), /client is closed/);
  }
});

test('a bad server list is refused before any connection exists', () => {
  const code = (e: unknown) => (isFkError(e) ? e.code : String(e));
  assert.throws(
    () => new MemcachedCluster([]),
    (e) => code(e) === 'E_USAGE',
  );
  assert.throws(() => new MemcachedCluster([A, A]), /listed twice/);
  assert.throws(
    () => new MemcachedCluster(['127.0.0.1:99999']),
    (e) => code(e) === 'E_USAGE',
  );
});
