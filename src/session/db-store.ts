import { type Db, openDb } from '../store/open-db.js';
import { newSessionId, SESSION_ID_RE, type Session, type SessionStore } from './session-store.js';

interface Row {
  user_id: number;
  created_at: number;
}

/**
 * Sessions in the app's own database, as the talk's 0.2 does ("we are effectively fetching the
 * session from the database for each request"). touch is one UPDATE … RETURNING (SQLite ≥ 3.35,
 * PostgreSQL): sliding expiry and lookup in a single write.
 */
export class DbSessionStore implements SessionStore {
  readonly kind = 'db' as const;
  private readonly db: Db;
  private readonly ins;
  private readonly upd;
  private readonly del;
  private readonly purge;
  private creates = 0;

  constructor(
    dbPath: string,
    private readonly now: () => number = Date.now,
  ) {
    this.db = openDb(dbPath);
    this.ins = this.db.prepare(
      'INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
    );
    this.upd = this.db.prepare<[number, string, number], Row>(
      'UPDATE sessions SET expires_at = ? WHERE id = ? AND expires_at > ? RETURNING user_id, created_at',
    );
    this.del = this.db.prepare('DELETE FROM sessions WHERE id = ?');
    this.purge = this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?');
  }

  async create(userId: number, ttlMs: number): Promise<Session> {
    const now = this.now();
    // Expired rows are swept now and then rather than on every request.
    if (++this.creates % 100 === 1) this.purge.run(now);
    const id = newSessionId();
    this.ins.run(id, userId, now, now + ttlMs);
    return { id, userId, createdAt: now, expiresAt: now + ttlMs };
  }

  async touch(id: string, ttlMs: number): Promise<Session | undefined> {
    if (!SESSION_ID_RE.test(id)) return undefined;
    const now = this.now();
    const row = this.upd.get(now + ttlMs, id, now);
    if (row === undefined) return undefined;
    return { id, userId: row.user_id, createdAt: row.created_at, expiresAt: now + ttlMs };
  }

  async destroy(id: string): Promise<void> {
    this.del.run(id);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
