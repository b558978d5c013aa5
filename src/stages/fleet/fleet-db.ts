import { FkError } from '../../errors.js';
import { OWN_DATABASE } from '../../store/postgres/cluster.js';
import {
  pgConnectionLimits,
  pgCreateUserIdIndex,
  pgDataFacts,
  pgUserIdIndexExists,
} from '../../store/postgres/pg-admin.js';
import { ensureDatabase, waitUntilReady } from '../../store/postgres/pg-ready.js';
import { isPostgresSeeded, seedPostgres } from '../../store/postgres/pg-seed.js';
import { PG_POOL_DEFAULTS } from '../../store/postgres/pool.js';

/**
 * The fleet's database, driven from this machine over the network: wait until the db host's
 * PostgreSQL accepts queries, create flickr_killr, seed it once per lab (the seed's own marker,
 * the meta table, says whether it has been), and check that every app process gets a connection.
 * The seed streams COPY over the bridge from here, as `flickr-killr seed --db URL` would.
 * (Through store/postgres/ directly: stages/ may not import store/database.ts, and this is the
 * PostgreSQL side of it.)
 */
export const DEFAULT_FLEET_USERS = 100_000; // the ladder's data set (store/demo-data.ts DEFAULT_USERS)
export const DEFAULT_FLEET_SEED = 1;

export type DataFacts = Awaited<ReturnType<typeof pgDataFacts>>;

/** The db host's server is up and flickr_killr exists. */
export async function dbHostReady(adminUrl: string): Promise<void> {
  await waitUntilReady(adminUrl, undefined);
  await ensureDatabase(adminUrl, OWN_DATABASE);
}

export interface SeedOutcome {
  seeded: boolean;
  users?: number;
  photos?: number;
  ms: number;
}

/**
 * Seeds when the database holds no demo data; a seeded one is kept as it is (whatever its size).
 * A user's own server (--db URL) is never seeded by us: E_DB_MISSING says how.
 */
export async function seedIfNeeded(
  url: string,
  o: { users: number; seed: number; own: boolean; log: (line: string) => void },
): Promise<SeedOutcome> {
  const t0 = performance.now();
  if (await isPostgresSeeded(url)) {
    // A run killed during the no-index demo leaves the index dropped; the fleet must not run without it.
    if (!(await pgUserIdIndexExists(url))) {
      o.log('the photos.user_id index was missing: recreating it');
      await pgCreateUserIdIndex(url);
    }
    return { seeded: false, ms: performance.now() - t0 };
  }
  if (!o.own)
    throw new FkError('E_DB_MISSING', 'the database given with --db holds no demo data', {
      hint: 'Seed it first: flickr-killr seed --db postgres://…',
    });
  o.log(`seeding ${o.users} users into the db host (COPY from this machine) …`);
  const r = await seedPostgres({ url, users: o.users, seed: o.seed, force: false });
  o.log(`seeded ${r.users} users, ${r.photos} photos in ${(r.ms / 1000).toFixed(1)} s`);
  return { seeded: true, users: r.users, photos: r.photos, ms: performance.now() - t0 };
}

/**
 * Every app process holds a pool of PG_POOL_DEFAULTS.max connections: the server must have that
 * many left, beside superuser_reserved_connections and connections already open (less the one
 * this check holds) — the same rule as store/connection-budget.ts, against the fleet's server.
 */
export async function assertConnectionBudget(url: string, appProcesses: number): Promise<void> {
  const l = await pgConnectionLimits(url);
  const needed = appProcesses * PG_POOL_DEFAULTS.max;
  const available = l.maxConnections - l.reserved - Math.max(0, l.inUse - 1);
  if (needed > available)
    throw new FkError(
      'E_DB_CONNECTIONS',
      `${appProcesses} app processes × pool ${PG_POOL_DEFAULTS.max} = ${needed} connections do not fit ` +
        `max_connections ${l.maxConnections} minus ${l.reserved} reserved and ${Math.max(0, l.inUse - 1)} in use (${Math.max(0, available)} available)`,
    );
}

export const dataFacts = (url: string): Promise<DataFacts> => pgDataFacts(url);
