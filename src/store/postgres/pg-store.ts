import { FkError } from '../../errors.js';
import { redact } from '../db-target.js';
import type { Photo, PhotoStore, User } from '../photo-store.js';
import type { OutageBreaker } from './outage-breaker.js';
import { toStoreError } from './pg-errors.js';
import {
  IS_SEEDED,
  PG_PHOTOS_OF_USER,
  SOME_USERS,
  USER_BY_ID,
  USER_BY_NAME,
  USER_COUNT,
} from './pg-schema.js';
import { acquirePool, PG_POOL_DEFAULTS, PG_SCHEMA, type PgPoolOptions, type Sql } from './pool.js';

const INT4_MAX = 2 ** 31 - 1;
/** The ids PostgreSQL's INTEGER can hold: anything else would be a 22003 error, not "no such row". */
const isInt4 = (n: number) => Number.isInteger(n) && n >= -INT4_MAX - 1 && n <= INT4_MAX;

/**
 * PhotoStore on PostgreSQL: the same queries as SQLite, as prepared statements (postgres.js
 * prepares each once per connection, then sends only Bind/Execute) over the process's bounded
 * pool, pipelined on busy connections. Out-of-range ids, NUL bytes and the like answer "not found"
 * as on SQLite instead of reaching the server as errors (the conformance suite holds both alike).
 */
export class PgStore implements PhotoStore {
  private constructor(
    private readonly sql: Sql,
    private readonly breaker: OutageBreaker,
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly release: () => Promise<void>,
  ) {}

  /**
   * Connects and checks the demo data is there: E_DB_UNREACHABLE (one line, no password) when the
   * server does not answer, E_DB_MISSING when it was never seeded.
   */
  static async open(url: string, opts: PgPoolOptions = {}): Promise<PgStore> {
    const pool = acquirePool(url, opts);
    const timeoutMs = opts.statementTimeoutMs ?? PG_POOL_DEFAULTS.statementTimeoutMs;
    try {
      const rows = await pool.sql.unsafe<Array<{ seeded: boolean }>>(IS_SEEDED);
      if (rows[0]?.seeded !== true) {
        throw new FkError(
          'E_DB_MISSING',
          `no demo data in ${redact(url)} (schema ${PG_SCHEMA}): seed it first with \`flickr-killr seed --db …\``,
        );
      }
    } catch (e) {
      await pool.release();
      throw toStoreError(e, url, { connecting: true });
    }
    return new PgStore(pool.sql, pool.breaker, url, timeoutMs, pool.release);
  }

  async getUser(id: number): Promise<User | undefined> {
    if (!isInt4(id)) return undefined;
    return (await this.query<User>(USER_BY_ID, [id]))[0];
  }

  async findUserByName(name: string): Promise<User | undefined> {
    // PostgreSQL text cannot hold U+0000 (an encoding error), and no name contains one.
    if (typeof name !== 'string' || name.includes('\u0000')) return undefined;
    return (await this.query<User>(USER_BY_NAME, [name]))[0];
  }

  async photosOf(userId: number): Promise<Photo[]> {
    if (!isInt4(userId)) return [];
    return this.query<Photo>(PG_PHOTOS_OF_USER, [userId]);
  }

  async someUsers(limit: number): Promise<User[]> {
    if (!Number.isSafeInteger(limit) || limit <= 0) return [];
    return this.query<User>(SOME_USERS, [limit]);
  }

  async userCount(): Promise<number> {
    return (await this.query<{ n: number }>(USER_COUNT, []))[0]?.n ?? 0;
  }

  async close(): Promise<void> {
    await this.release();
  }

  private query<T>(text: string, params: Array<string | number>): Promise<T[]> {
    return this.breaker.run(
      // A plain array: postgres.js's Result is an Array subclass carrying statement metadata.
      async () => Array.from(await this.sql.unsafe(text, params, { prepare: true })) as T[],
      (e) => toStoreError(e, this.url, { statementTimeoutMs: this.timeoutMs }),
    );
  }
}
