import type { OutageBreaker } from '../store/postgres/outage-breaker.js';
import { toStoreError } from '../store/postgres/pg-errors.js';
import { acquirePool, type PgPoolOptions, type Sql } from '../store/postgres/pool.js';
import { newSessionId, SESSION_ID_RE, type Session, type SessionStore } from './session-store.js';

interface Row {
  user_id: number;
  created_at: number;
}

const INSERT = 'INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)';
/**
 * The lookup and the slide in ONE statement: the row lock makes concurrent touches from several
 * app processes queue on the row, and a touch after a committed DELETE finds nothing, so a logout
 * is never undone and no slide is lost (no read-modify-write between processes).
 */
const TOUCH =
  'UPDATE sessions SET expires_at = $1 WHERE id = $2 AND expires_at > $3 RETURNING user_id, created_at';
const DESTROY = 'DELETE FROM sessions WHERE id = $1';
const PURGE = 'DELETE FROM sessions WHERE expires_at <= $1';

/**
 * The `db` session store (stage single, the talk's 0.2: "fetching the session from the database
 * for each request") on PostgreSQL, in the seeded sessions table. It shares the process's pool
 * with its PhotoStore (store/postgres/pool.ts), so an app process holds one bounded pool. Errors
 * are the store's typed ones: the app serves a page as logged out when touch fails.
 */
export class PgSessionStore implements SessionStore {
  readonly kind = 'db' as const;
  private creates = 0;

  private constructor(
    private readonly sql: Sql,
    private readonly breaker: OutageBreaker,
    private readonly url: string,
    private readonly release: () => Promise<void>,
    private readonly now: () => number,
  ) {}

  static open(url: string, opts: PgPoolOptions = {}, now: () => number = Date.now): PgSessionStore {
    const pool = acquirePool(url, opts);
    return new PgSessionStore(pool.sql, pool.breaker, url, pool.release, now);
  }

  async create(userId: number, ttlMs: number): Promise<Session> {
    const now = this.now();
    const ms = Math.max(1, Math.ceil(ttlMs));
    // Expired rows are swept now and then rather than on every request.
    if (++this.creates % 100 === 1) await this.run(PURGE, [now]);
    const id = newSessionId();
    await this.run(INSERT, [id, userId, now, now + ms]);
    return { id, userId, createdAt: now, expiresAt: now + ms };
  }

  async touch(id: string, ttlMs: number): Promise<Session | undefined> {
    if (!SESSION_ID_RE.test(id)) return undefined;
    const now = this.now();
    const ms = Math.max(1, Math.ceil(ttlMs));
    const [row] = await this.run<Row>(TOUCH, [now + ms, id, now]);
    if (row === undefined) return undefined;
    return { id, userId: row.user_id, createdAt: row.created_at, expiresAt: now + ms };
  }

  async destroy(id: string): Promise<void> {
    if (!SESSION_ID_RE.test(id)) return;
    await this.run(DESTROY, [id]);
  }

  async close(): Promise<void> {
    await this.release();
  }

  private run<T>(text: string, params: Array<string | number>): Promise<T[]> {
    return this.breaker.run(
      async () => Array.from(await this.sql.unsafe(text, params, { prepare: true })) as T[],
      (e) => toStoreError(e, this.url),
    );
  }
}
