import type { Service } from '../daemons/supervisor.js';
import { FkError } from '../errors.js';
import { SITE_ASSETS_DIR } from '../paths.js';
import type { DataFacts } from './data-facts.js';
import {
  type DbTarget,
  describeTarget,
  type OpenTarget,
  type PostgresTarget,
  staticRootFor,
} from './db-target.js';
import { DEFAULT_SEED } from './demo-data.js';
import type { PhotoStore } from './photo-store.js';
import type { OwnPostgresOptions } from './postgres/cluster.js';
import type { ConnectionLimits } from './postgres/pg-admin.js';
import type { PgPoolOptions } from './postgres/pool.js';
import type { SeedResult } from './seed.js';

/**
 * The one place that chooses SQLite or PostgreSQL by target, for the stages, `serve`, the ladder
 * and the CLI. Each backend is imported only when chosen: an app process on SQLite never loads
 * the postgres driver (and one on PostgreSQL never loads better-sqlite3).
 * Sessions in the database: session/open-db-session.ts (same rule).
 */
export type { DbTarget, OpenTarget, PostgresTarget };
export type StoreOptions = PgPoolOptions;

export async function openPhotoStore(t: OpenTarget, o: StoreOptions = {}): Promise<PhotoStore> {
  if (t.kind === 'sqlite') {
    const { SqliteStore } = await import('./sqlite-store.js');
    return new SqliteStore(t.path);
  }
  const { PgStore } = await import('./postgres/pg-store.js');
  return PgStore.open(t.url, o);
}

export interface ConnectedTarget {
  target: OpenTarget;
  /** The own cluster's postmaster when this call started it (a stage adds it to its services). */
  service?: Service;
  /** Stops what this call started (nothing for SQLite, a URL, or an own cluster already running). */
  stop(): Promise<void>;
}

/**
 * Makes a target connectable: `--db postgres` starts (or attaches to) the own cluster; SQLite
 * files and URLs pass through untouched (a server the user runs is never started or stopped).
 */
export async function connectTarget(
  t: DbTarget,
  o: Omit<OwnPostgresOptions, 'dataDir'> = {},
): Promise<ConnectedTarget> {
  if (t.kind !== 'own-postgres') return { target: t, stop: async () => {} };
  const { startOwnPostgres } = await import('./postgres/cluster.js');
  const pg = await startOwnPostgres({ ...o, dataDir: t.dataDir });
  return {
    target: { kind: 'postgres', url: pg.url, staticRoot: staticRootFor(t), own: true },
    service: pg.service,
    stop: pg.stop,
  };
}

/** Runs `fn` on a connectable target, stopping afterwards whatever connectTarget started (the CLI's one-shot commands). */
export async function withTarget<T>(
  t: DbTarget,
  log: (line: string) => void,
  fn: (t: OpenTarget) => Promise<T>,
): Promise<T> {
  const c = await connectTarget(t, { log });
  try {
    return await fn(c.target);
  } finally {
    await c.stop();
  }
}

export interface SeedTargetOptions {
  users: number;
  seed: number;
  force: boolean;
  onProgress?: (fraction: number, phase: string) => void;
  /** Stops a PostgreSQL seed (rolled back); a SQLite seed runs to its end (one synchronous transaction). */
  signal?: AbortSignal;
}

/** The demo data into the target (E_DB_EXISTS when already seeded and not force). Static files: see ensureSeeded. */
export async function seedTarget(t: OpenTarget, o: SeedTargetOptions): Promise<SeedResult> {
  if (t.kind === 'sqlite') {
    const { seedDatabase } = await import('./seed.js');
    return seedDatabase({ dbPath: t.path, ...o });
  }
  const { seedPostgres } = await import('./postgres/pg-seed.js');
  return seedPostgres({ url: t.url, ...o });
}

export async function isSeeded(t: OpenTarget): Promise<boolean> {
  if (t.kind === 'sqlite') {
    const { existsSync } = await import('node:fs');
    return existsSync(t.path);
  }
  const { isPostgresSeeded } = await import('./postgres/pg-seed.js');
  return isPostgresSeeded(t.url);
}

/** The ladder's start: seed when absent (kept otherwise), write the static root, restore a lost index. */
export async function ensureSeeded(
  t: OpenTarget,
  o: {
    users: number;
    seed?: number;
    log: (line: string) => void;
    siteAssetsDir?: string;
    signal?: AbortSignal;
  },
): Promise<void> {
  if (!(await isSeeded(t))) {
    o.log(`seeding ${o.users} users into ${describeTarget(t)} …`);
    const r = await seedTarget(t, {
      users: o.users,
      seed: o.seed ?? DEFAULT_SEED,
      force: false,
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    });
    o.log(`seeded ${r.users} users, ${r.photos} photos in ${(r.ms / 1000).toFixed(1)} s`);
  }
  // Idempotent and cheap: files already identical are left alone (their ETags stay stable).
  const { writeStaticRoot } = await import('../assets/static-site.js');
  writeStaticRoot(staticRootFor(t), o.siteAssetsDir ?? SITE_ASSETS_DIR);
  // A run killed hard during the no-index stage leaves the index dropped; every stage would then
  // be measured without it.
  const index = indexToggle(t);
  if (!(await index.exists())) {
    o.log('the photos.user_id index was missing (an interrupted run?): recreating it');
    await index.create();
  }
}

/** The talk's missing-index demo on either backend; plan() is the engine's own EXPLAIN of the page query. */
export interface IndexToggle {
  drop(): Promise<void>;
  create(): Promise<void>;
  exists(): Promise<boolean>;
  /** SQLite: 'SEARCH photos USING INDEX photos_user_id …' / 'SCAN photos'; PostgreSQL: 'Index Scan using photos_user_id …' / 'Seq Scan on photos'. */
  plan(): Promise<string>;
}

export function indexToggle(t: OpenTarget): IndexToggle {
  if (t.kind === 'sqlite') {
    const sqlite = () => import('./sqlite-index.js');
    return {
      drop: async () => (await sqlite()).dropUserIdIndex(t.path),
      create: async () => (await sqlite()).createUserIdIndex(t.path),
      exists: async () => (await sqlite()).userIdIndexExists(t.path),
      plan: async () => (await sqlite()).userPageQueryPlan(t.path),
    };
  }
  const pg = () => import('./postgres/pg-admin.js');
  return {
    drop: async () => (await pg()).pgDropUserIdIndex(t.url),
    create: async () => (await pg()).pgCreateUserIdIndex(t.url),
    exists: async () => (await pg()).pgUserIdIndexExists(t.url),
    plan: async () => (await pg()).pgUserPageQueryPlan(t.url),
  };
}

/** Users count and the smoke check's user (replaces the SQL in ladder/data.ts). */
export async function readDataFacts(t: OpenTarget): Promise<DataFacts> {
  if (t.kind === 'sqlite') return (await import('./data-facts.js')).sqliteDataFacts(t.path);
  return (await import('./postgres/pg-admin.js')).pgDataFacts(t.url);
}

/** max_connections and superuser_reserved_connections of the server, for checkConnectionBudget(). */
export async function readConnectionLimits(t: PostgresTarget): Promise<ConnectionLimits> {
  return (await import('./postgres/pg-admin.js')).pgConnectionLimits(t.url);
}

import { checkConnectionBudget } from './connection-budget.js';

export type { DataFacts };
export { checkConnectionBudget };

/**
 * Before a stage starts on a database server: the data is there (E_DB_MISSING, as for a missing
 * SQLite file), and the stage's connections fit what the server has left (E_DB_CONNECTIONS naming
 * the numbers) — checked now rather than found mid-run as "too many clients" 503s. Connections
 * already in use count as taken, less the one this check itself holds.
 */
export async function assertReadyForStage(t: OpenTarget, clients: number, seedHint: string): Promise<void> {
  if (t.kind === 'sqlite') return; // the stage checks its file itself
  if (!(await isSeeded(t))) {
    throw new FkError('E_DB_MISSING', `${describeTarget(t)} holds no demo data`, {
      hint: `Seed it first: ${seedHint}`,
    });
  }
  const limits = await readConnectionLimits(t);
  const { PG_POOL_DEFAULTS } = await import('./postgres/pool.js');
  checkConnectionBudget({
    processes: clients,
    poolSize: PG_POOL_DEFAULTS.max,
    maxConnections: limits.maxConnections,
    reserved: limits.reserved + Math.max(0, limits.inUse - 1),
  });
}
