import { resolve } from 'node:path';
import { createHandler, type Handler } from '../app/index.js';
import type { AssetSource } from '../assets/asset-source.js';
import { DiskSource } from '../assets/disk-source.js';
import { staticRootFor } from '../paths.js';
import { openDbSessionStore } from '../session/open-db-session.js';
import type { SessionStore } from '../session/session-store.js';
import { openPhotoStore } from '../store/database.js';
import type { OpenTarget } from '../store/db-target.js';
import { type AppProcessSpec, isDatabaseUrl } from './app-process-spec.js';

/** What openApp needs of a spec: the backends, not where the process listens. */
export type AppBackends = Pick<AppProcessSpec, 'db' | 'sessions' | 'memcached' | 'fillMemcached'> &
  Partial<Pick<AppProcessSpec, 'staticRoot' | 'redisUrl'>>;

export interface OpenAppHooks {
  /** Sent as X-Served-By (e.g. 'cgi-123'); node-http adds 'app-<pid>' otherwise. */
  workerTag?: string;
  /** Unexpected errors behind 500 responses (the adapter logs them). */
  onError?: (e: unknown) => void;
  /** Degraded-but-serving conditions (a session store or memcached outage), rate-limited by the app. */
  onWarning?: (message: string) => void;
}

export interface OpenedApp {
  handler: Handler;
  close(): Promise<void>;
}

/**
 * The one way to build the app from a spec, for every way of serving it (node:http, cluster
 * workers, the CGI script): all initialisation up front — the database with its prepared
 * statements, compiled templates, the session store, the asset source (the talk's 0.2: "database
 * connections, parsed page templates … should live longer than one request"). Each backend is
 * imported only when chosen, so a CGI script never pays for a Redis client, and a network store
 * is checked at start (a page must not be the first to find Redis down). close() closes, in
 * reverse order, only what this function opened.
 */
export async function openApp(b: AppBackends, hooks: OpenAppHooks = {}): Promise<OpenedApp> {
  const owned: Array<{ close(): Promise<void> }> = [];
  const closeAll = async () => {
    for (const o of owned.reverse()) await o.close();
  };
  try {
    const target = targetOf(b);
    const store = await openPhotoStore(target);
    owned.push(store);
    const sessions = await openSessions(b, target);
    owned.push(sessions);
    const assets = await openAssets(b, hooks);
    owned.push(assets);
    const handler = createHandler({ store, sessions, assets, ...hooks });
    return { handler, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** The spec's database as a store target: a postgres:// URL, or a SQLite file. */
export function targetOf(b: AppBackends): OpenTarget {
  if (isDatabaseUrl(b.db)) return { kind: 'postgres', url: b.db, staticRoot: b.staticRoot ?? '', own: false };
  return { kind: 'sqlite', path: resolve(b.db) };
}

async function openSessions(b: AppBackends, target: OpenTarget): Promise<SessionStore> {
  // The same target and options as openPhotoStore: on PostgreSQL the two share one pool.
  if (b.sessions === 'db') return openDbSessionStore(target);
  if (b.sessions === 'redis') {
    const { RedisClient } = await import('../clients/redis/client.js');
    const { RedisSessionStore } = await import('../session/redis-store.js');
    const client = new RedisClient(b.redisUrl!);
    await client.ping().catch(async (e) => {
      await client.close();
      throw e;
    });
    return new RedisSessionStore(client);
  }
  const { MemcachedCluster } = await import('../clients/memcached/cluster.js');
  const { MemcachedSessionStore } = await import('../session/memcached-store.js');
  // Every server is checked: a session on the ring's dead server would fail on its first page.
  const cluster = new MemcachedCluster(b.memcached);
  await cluster.versions().catch(async (e) => {
    await cluster.close();
    throw e;
  });
  return new MemcachedSessionStore(cluster);
}

async function openAssets(b: AppBackends, hooks: OpenAppHooks): Promise<AssetSource> {
  const disk = new DiskSource(b.staticRoot ?? staticRootFor(b.db));
  // (fromArgv refuses a database URL without --static: a server holds no files.)
  if (!b.fillMemcached) return disk;
  const { MemcachedCluster } = await import('../clients/memcached/cluster.js');
  const { MemcachedFillSource } = await import('../assets/memcached-fill-source.js');
  // Its own connections (one per server): 1 MB fills must not queue ahead of memcached session
  // look-ups. No start-up check: the fill is an optimisation, and an outage only costs nginx
  // misses (logged once). b.memcached holds the very strings nginx.conf lists, in its order:
  // nginx's ring hashes the names as written (clients/memcached/ketama.ts).
  return new MemcachedFillSource(disk, new MemcachedCluster(b.memcached), { log: hooks.onWarning });
}
