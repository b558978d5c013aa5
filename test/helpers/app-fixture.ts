import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandler, type Handler } from '../../src/app/index.js';
import { DiskSource } from '../../src/assets/disk-source.js';
import { writeStaticRoot } from '../../src/assets/static-site.js';
import { SITE_ASSETS_DIR, staticRootFor } from '../../src/paths.js';
import { DbSessionStore } from '../../src/session/db-store.js';
import type { SessionStore } from '../../src/session/session-store.js';
import { seedDatabase } from '../../src/store/seed.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';

/**
 * A small seeded database (200 users, as the smoke suite expects) with its static root, in a
 * fresh temp dir. Call remove() in after().
 */
export function smallDatabase(users = 200, seed = 1): { dir: string; dbPath: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'fk-test-'));
  const dbPath = join(dir, 'fk.db');
  seedDatabase({ dbPath, users, seed, force: false });
  writeStaticRoot(staticRootFor(dbPath), SITE_ASSETS_DIR);
  return { dir, dbPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestAppOptions {
  dbPath: string;
  /** A fake or real store; default: sessions in the database, as the talk's 0.2. */
  sessions?: SessionStore;
  workerTag?: string;
  onError?: (e: unknown) => void;
  onWarning?: (message: string) => void;
}

/**
 * The app's handler over a real SQLite store and the static root, with any SessionStore injected
 * (fakes, not mocks: a counting store, a flaky one). Production code opens the app from a spec
 * (server/open-app.ts); tests of the app itself need to swap a backend, so they compose it here.
 */
export function openTestApp(o: TestAppOptions): { handler: Handler; close(): Promise<void> } {
  const store = new SqliteStore(o.dbPath);
  const owned: Array<{ close(): Promise<void> }> = [store];
  const sessions = o.sessions ?? new DbSessionStore(o.dbPath);
  if (o.sessions === undefined) owned.push(sessions);
  const assets = new DiskSource(staticRootFor(o.dbPath));
  owned.push(assets);
  const handler = createHandler({
    store,
    sessions,
    assets,
    ...(o.workerTag === undefined ? {} : { workerTag: o.workerTag }),
    ...(o.onError === undefined ? {} : { onError: o.onError }),
    ...(o.onWarning === undefined ? {} : { onWarning: o.onWarning }),
  });
  return {
    handler,
    close: async () => {
      for (const x of owned.reverse()) await x.close();
    },
  };
}
