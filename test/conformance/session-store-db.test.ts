import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import Database from 'better-sqlite3';
import { DbSessionStore } from '../../src/session/db-store.js';
import { CREATE_TABLES } from '../../src/store/schema.js';
import { sessionStoreConformance } from './session-store.case.js';

// An empty database with the demo's schema (no users or photos: sessions only need their table),
// in WAL mode as `seed` leaves it, so two stores behave like two app processes on one file.
const dir = mkdtempSync(join(tmpdir(), 'fk-db-sessions-'));
const dbPath = join(dir, 'sessions.db');
const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
for (const sql of CREATE_TABLES) db.exec(sql);
db.close();
after(() => rmSync(dir, { recursive: true, force: true }));

sessionStoreConformance('db', async () => {
  const store = new DbSessionStore(dbPath);
  return {
    store,
    openSecond: async () => new DbSessionStore(dbPath),
    cleanup: () => store.close(),
  };
});
