import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { FkError } from '../errors.js';

export type Db = Database.Database;

/**
 * Opens an existing demo database. `fileMustExist` matters: better-sqlite3 would otherwise create
 * an empty file and the first page would fail with "no such table" instead of E_DB_MISSING.
 */
export function openDb(dbPath: string, opts: { readonly?: boolean } = {}): Db {
  if (!existsSync(dbPath)) throw new FkError('E_DB_MISSING', `no database at ${dbPath}`);
  let db: Db;
  try {
    db = new Database(dbPath, { fileMustExist: true, readonly: opts.readonly === true });
  } catch (e) {
    throw new FkError('E_DB_MISSING', `cannot open database ${dbPath}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  // Several app processes write sessions into the same file (stages nginx, memcached): wait for
  // the write lock instead of failing with SQLITE_BUSY. WAL (set by seed) lets readers run alongside.
  db.pragma('busy_timeout = 5000');
  if (!opts.readonly) db.pragma('synchronous = NORMAL');
  // Random user pages touch pages all over a ~140 MB file: a memory map saves the read() calls
  // (measured here: 26 → 25 µs CPU for a page's two queries; small, but free, and shared by N processes).
  db.pragma(`mmap_size = ${256 * 1024 * 1024}`);
  return db;
}
