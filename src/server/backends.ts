import type { AssetSource } from '../assets/asset-source.js';
import { DiskSource } from '../assets/disk-source.js';
import { FkError } from '../errors.js';
import { staticRootFor } from '../paths.js';
import { DbSessionStore } from '../session/db-store.js';
import type { SessionStore } from '../session/session-store.js';

export interface BackendOptions {
  dbPath: string;
  sessions: 'db' | 'redis' | 'memcached';
  redisUrl?: string;
  memcachedAddr?: string;
  /** Static files also written to memcached as they are served (the talk's CherryPy "tool"). */
  fillMemcached?: boolean;
  /** Lines for the operator (stderr in the CLI), e.g. a memcached outage seen by the fill. */
  log?: (line: string) => void;
}

/**
 * The session store and asset source one app process uses, chosen by its stage. Each backend is
 * imported only when chosen, so a process never pays for a client it does not use.
 */
export async function openBackends(
  o: BackendOptions,
): Promise<{ sessions: SessionStore; assets: AssetSource; close(): Promise<void> }> {
  let sessions: SessionStore;
  if (o.sessions === 'db') {
    sessions = new DbSessionStore(o.dbPath);
  } else if (o.sessions === 'redis') {
    if (o.redisUrl === undefined) throw new FkError('E_USAGE', '--sessions redis needs --redis URL');
    const { RedisClient } = await import('../redis/client.js');
    const { RedisSessionStore } = await import('../session/redis-store.js');
    const client = new RedisClient(o.redisUrl);
    // Fail at start-up, not on the first page: sessions are needed by every dynamic request.
    await client.ping().catch(async (e) => {
      await client.close();
      throw e;
    });
    sessions = new RedisSessionStore(client);
  } else {
    if (o.memcachedAddr === undefined)
      throw new FkError('E_USAGE', '--sessions memcached needs --memcached HOST:PORT');
    const { MemcachedClient } = await import('../memcached/client.js');
    const { MemcachedSessionStore } = await import('../session/memcached-store.js');
    const client = new MemcachedClient(o.memcachedAddr);
    await client.version().catch(async (e) => {
      await client.close();
      throw e;
    });
    sessions = new MemcachedSessionStore(client);
  }
  let assets: AssetSource;
  if (o.fillMemcached) {
    if (o.memcachedAddr === undefined) {
      await sessions.close();
      throw new FkError('E_USAGE', '--fill-memcached needs --memcached HOST:PORT');
    }
    const { MemcachedClient } = await import('../memcached/client.js');
    const { MemcachedFillSource } = await import('../assets/memcached-fill-source.js');
    // Its own connection: 1 MB fills must not queue ahead of memcached session lookups. No start-up
    // check: the fill is an optimisation, and an outage only costs nginx misses (logged once).
    assets = new MemcachedFillSource(
      new DiskSource(staticRootFor(o.dbPath)),
      new MemcachedClient(o.memcachedAddr),
      { log: o.log },
    );
  } else {
    assets = new DiskSource(staticRootFor(o.dbPath));
  }
  return {
    sessions,
    assets,
    close: async () => {
      await assets.close();
      await sessions.close();
    },
  };
}
