import { FkError } from '../../errors.js';
import { type DataFacts, smokeUserId } from '../data-facts.js';
import { redact } from '../db-target.js';
import { USER_ID_INDEX } from '../schema.js';
import { isServerError, toStoreError } from './pg-errors.js';
import { PG_CREATE_USER_ID_INDEX, PG_DROP_USER_ID_INDEX, PG_PHOTOS_OF_USER } from './pg-schema.js';
import { createSql, PG_SCHEMA, type Sql } from './pool.js';

/**
 * One-shot administrative work on a PostgreSQL target (the index toggle, its plan, the
 * connection limits, the ladder's data facts), each on a short-lived connection of its own with no
 * statement timeout (building the index over 1.5 M rows is one statement).
 */
async function once<T>(url: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = createSql(url, { max: 1, statementTimeoutMs: 0, applicationName: 'flickr-killr admin' });
  try {
    return await fn(sql);
  } catch (e) {
    // 42P01 undefined_table: the schema was never seeded (search_path names a schema not there).
    if (isServerError(e) && e.code === '42P01') {
      throw new FkError(
        'E_DB_MISSING',
        `no demo data in ${redact(url)} (schema ${PG_SCHEMA}): seed it first`,
        {
          cause: e,
        },
      );
    }
    throw toStoreError(e, url, { connecting: true });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * DROP INDEX waits for the page queries running on photos and holds new ones for that moment;
 * CREATE INDEX takes a SHARE lock, so running app processes keep reading while it builds (only
 * writes to photos wait, and the app writes none). Their prepared plans are replanned by the
 * server on the schema change, as SQLite re-prepares.
 */
export const pgDropUserIdIndex = (url: string) =>
  once(url, (sql) => sql.unsafe(PG_DROP_USER_ID_INDEX).then(() => {}));
export const pgCreateUserIdIndex = (url: string) =>
  once(url, (sql) => sql.unsafe(PG_CREATE_USER_ID_INDEX).then(() => {}));

export function pgUserIdIndexExists(url: string): Promise<boolean> {
  return once(url, async (sql) => {
    const [row] = await sql.unsafe<Array<{ present: boolean }>>(
      `SELECT to_regclass('${USER_ID_INDEX}') IS NOT NULL AS present`,
    );
    return row?.present === true;
  });
}

/**
 * EXPLAIN of the page query for user 1, one line: 'Index Scan using photos_user_id on photos'
 * (or its Bitmap Index Scan form) with the index, 'Seq Scan on photos' without.
 */
export function pgUserPageQueryPlan(url: string): Promise<string> {
  return once(url, async (sql) => {
    const rows = await sql.unsafe<Array<{ 'QUERY PLAN': string }>>(
      `EXPLAIN (COSTS OFF) ${PG_PHOTOS_OF_USER.replace('$1', '1')}`,
    );
    return rows.map((r) => r['QUERY PLAN'].trim().replace(/^->\s+/, '')).join('; ');
  });
}

export interface ConnectionLimits {
  maxConnections: number;
  /** superuser_reserved_connections: slots an ordinary role can never take. */
  reserved: number;
  /** Client connections open right now (this one included). */
  inUse: number;
}

/** The numbers checkConnectionBudget() needs, as the server reports them. */
export function pgConnectionLimits(url: string): Promise<ConnectionLimits> {
  return once(url, async (sql) => {
    const [row] = await sql.unsafe<Array<{ max: number; reserved: number; in_use: number }>>(
      `SELECT current_setting('max_connections')::int AS max,
              current_setting('superuser_reserved_connections')::int AS reserved,
              (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS in_use`,
    );
    return { maxConnections: row!.max, reserved: row!.reserved, inUse: row!.in_use };
  });
}

/** Users count and one typical user with the names its page shows (the ladder's smoke check). */
export function pgDataFacts(url: string): Promise<DataFacts> {
  return once(url, async (sql) => {
    const [c] = await sql.unsafe<Array<{ n: number }>>('SELECT count(*)::int AS n FROM users');
    const n = c?.n ?? 0;
    const id = smokeUserId(n);
    const [row] = await sql.unsafe<Array<{ name: string; display_name: string }>>(
      'SELECT name, display_name FROM users WHERE id = $1',
      [id],
    );
    return { users: n, smokeUser: { id, names: row ? [row.display_name, row.name] : [] } };
  });
}
