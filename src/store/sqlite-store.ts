import { type Db, openDb } from './open-db.js';
import type { Photo, PhotoStore, User } from './photo-store.js';
import { PHOTOS_OF_USER } from './schema.js';

// Aliased to the User shape: better-sqlite3 then returns ready objects, no per-row copy.
const USER_COLS = 'id, name, display_name AS displayName, bio, joined_at AS joinedAt';

/**
 * PhotoStore on SQLite. Every statement is prepared once per process (the talk's point against
 * CGI: "database connections ... should live longer than one request").
 */
export class SqliteStore implements PhotoStore {
  private readonly db: Db;
  private readonly byId;
  private readonly byName;
  private readonly photos;
  private readonly some;
  private readonly count;

  constructor(dbPath: string) {
    this.db = openDb(dbPath);
    this.byId = this.db.prepare<[number], User>(`SELECT ${USER_COLS} FROM users WHERE id = ?`);
    this.byName = this.db.prepare<[string], User>(`SELECT ${USER_COLS} FROM users WHERE name = ?`);
    this.photos = this.db.prepare<[number], Photo>(PHOTOS_OF_USER);
    this.some = this.db.prepare<[number], User>(`SELECT ${USER_COLS} FROM users ORDER BY id LIMIT ?`);
    this.count = this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users');
  }

  async getUser(id: number): Promise<User | undefined> {
    return this.byId.get(id);
  }

  async findUserByName(name: string): Promise<User | undefined> {
    return this.byName.get(name);
  }

  async photosOf(userId: number): Promise<Photo[]> {
    return this.photos.all(userId);
  }

  async someUsers(limit: number): Promise<User[]> {
    // LIMIT -1 means "no limit" to SQLite and 1.5 is a datatype error: only a count is a count.
    if (!Number.isSafeInteger(limit) || limit <= 0) return [];
    return this.some.all(limit);
  }

  async userCount(): Promise<number> {
    return this.count.get()?.n ?? 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
