import postgres from 'postgres';
import { OutageBreaker } from './outage-breaker.js';

/**
 * One bounded postgres.js pool per app process and database, shared by its PhotoStore and its
 * `db` SessionStore (reference-counted), so the connection budget is exactly
 * processes × `max` (checkConnectionBudget).
 */
export interface PgPoolOptions {
  /**
   * Connections of this process (postgres.js `max`). Default 1: a process is one thread, and
   * postgres.js pipelines every query of a busy connection into one write, so one connection
   * already keeps a backend busy, with the fewest system calls. Measured in one run
   * (bench/pg-minimal.sh, bench/README.md): a minimal page server did 8.9k pages/s at 107 µs of
   * node CPU per page on one connection, 5.2k at 168 µs on four. More connections only pay when
   * queries are slow (the no-index rung): one process on one connection keeps one backend busy,
   * on four both cores (52 vs 99 scans/s in bench/pg-store.ts) — and a stage of N processes has N
   * backends anyway. Raise it for a single process on a slow query mix.
   */
  max?: number;
  /** Seconds to wait for a connection (postgres.js default: 30): a black-holed host fails a request in 5 s, not 30. */
  connectTimeoutS?: number;
  /**
   * Server-side limit per statement (0 = none). Default 5 s: far above a page's queries even
   * without the index (a 1.5 M-row scan measured 80–290 ms here, a few times that under load), but
   * a worker is never held forever; the page then answers 503.
   */
  statementTimeoutMs?: number;
  /** Shown in pg_stat_activity: which process holds which connection. */
  applicationName?: string;
}

export const PG_POOL_DEFAULTS = { max: 1, connectTimeoutS: 5, statementTimeoutMs: 5000 } as const;

/** Our tables live in their own schema, so a user's database keeps its own `users` table. */
export const PG_SCHEMA = 'flickr_killr';

/**
 * Epoch-ms BIGINTs (sessions) as numbers, not strings: they stay below 2^53. postgres.js would
 * otherwise parse int8 as a string.
 */
const TYPES = {
  bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
};

export function createSql(url: string, o: PgPoolOptions = {}) {
  return postgres(url, {
    max: o.max ?? PG_POOL_DEFAULTS.max,
    connect_timeout: o.connectTimeoutS ?? PG_POOL_DEFAULTS.connectTimeoutS,
    prepare: true,
    // No array or custom types here: skip the extra catalog round trip on every new connection.
    fetch_types: false,
    types: TYPES,
    // After a restart the next query reconnects; its default back-off grows to 20 s during a long
    // outage, which would keep pages at 503 long after the server is back. Cap it at ~0.5 s (the
    // OutageBreaker already limits an outage to one probe per 250 ms).
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5) * (0.5 + Math.random() / 2),
    onnotice: () => {},
    connection: {
      application_name: o.applicationName ?? 'flickr-killr',
      search_path: PG_SCHEMA,
      statement_timeout: o.statementTimeoutMs ?? PG_POOL_DEFAULTS.statementTimeoutMs,
    },
  });
}

export type Sql = ReturnType<typeof createSql>;

interface Shared {
  sql: Sql;
  breaker: OutageBreaker;
  refs: number;
}

const pools = new Map<string, Shared>();

/** The process's pool for this URL and options; release() closes it with its last user. */
export interface PooledSql {
  sql: Sql;
  /** Every query of the pool's stores goes through it: fail fast during an outage. */
  breaker: OutageBreaker;
  release(): Promise<void>;
}

export function acquirePool(url: string, o: PgPoolOptions = {}): PooledSql {
  const key = `${url}\n${o.max ?? ''}\n${o.connectTimeoutS ?? ''}\n${o.statementTimeoutMs ?? ''}\n${o.applicationName ?? ''}`;
  let shared = pools.get(key);
  if (shared === undefined) {
    shared = { sql: createSql(url, o), breaker: new OutageBreaker(), refs: 0 };
    pools.set(key, shared);
  }
  shared.refs += 1;
  const s = shared;
  let released = false;
  return {
    sql: s.sql,
    breaker: s.breaker,
    release: async () => {
      if (released) return;
      released = true;
      s.refs -= 1;
      if (s.refs > 0) return;
      pools.delete(key);
      // In-flight queries get a second to finish; then the sockets are destroyed.
      await s.sql.end({ timeout: 1 });
    },
  };
}
