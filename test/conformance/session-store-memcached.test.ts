import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemcachedClient } from '../../src/clients/memcached/client.js';
import { MemcachedSessionStore } from '../../src/session/memcached-store.js';
import { memcachedServer } from '../helpers/backend-servers.js';
import { sessionStoreConformance } from './session-store.case.js';

const server = memcachedServer();

sessionStoreConformance('memcached', async (t) => {
  const mc = await server(t);
  if (mc === undefined) return undefined;
  const store = new MemcachedSessionStore(new MemcachedClient(mc.addr));
  return {
    store,
    openSecond: async () => new MemcachedSessionStore(new MemcachedClient(mc.addr)),
    cleanup: () => store.close(),
  };
});

// Not conformance: the reason the talk's authors kept sessions out of memcached. A 2 MB cache
// filled with other items evicts a session that nobody touched, and its user is logged out.
const tinyServer = memcachedServer(2);

test('memcached evicts an idle session under memory pressure (users get logged out)', async (t) => {
  const mc = await tinyServer(t);
  if (mc === undefined) return;
  const client = new MemcachedClient(mc.addr, { maxPending: 50_000, commandTimeoutMs: 5000 });
  const store = new MemcachedSessionStore(client);
  t.after(() => store.close());
  const s = await store.create(1, 60_000);
  // Same size as the session's value, so the same slab class: memcached evicts per class.
  const filler = JSON.stringify({ userId: 1, createdAt: s.createdAt, expiresAt: s.expiresAt });
  // ~10x what a 2 MB cache holds of such items.
  for (let i = 0; i < 60_000; i += 5000) {
    await Promise.all(
      Array.from({ length: 5000 }, (_, j) =>
        client.set(`fk:fill:${String(i + j).padStart(32, '0')}`, filler),
      ),
    );
  }
  assert.equal(await store.touch(s.id, 60_000), undefined);
});
