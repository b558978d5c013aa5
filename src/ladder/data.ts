/**
 * The ladder's data: seeded once, reused afterwards (seeding 100k users is seconds, but a run that
 * re-seeds would also change every figure's input). Quick runs use their own small database.
 */
import { existsSync } from 'node:fs';
import { SITE_ASSETS_DIR, staticRootFor } from '../paths.js';
import { openDb } from '../store/open-db.js';
import { DEFAULT_SEED, seedDatabase } from '../store/seed.js';
import { createUserIdIndex, userIdIndexExists } from '../store/sqlite-index.js';
import { writeStaticRoot } from '../store/thumbnails.js';
import type { SmokeUser } from './smoke-check.js';

/** The bench's URL-template seed: two ladder runs request the same users in the same order. */
export const BENCH_SEED = 2007;

export interface DataFacts {
  users: number;
  /** The user the smoke check logs in as, with the names its page must show. */
  smokeUser: SmokeUser;
}

export function ensureSeeded(dbPath: string, users: number, log: (line: string) => void): void {
  if (!existsSync(dbPath)) {
    log(`seeding ${users} users into ${dbPath} …`);
    const r = seedDatabase({ dbPath, users, seed: DEFAULT_SEED, force: false });
    log(`seeded ${r.users} users, ${r.photos} photos in ${(r.ms / 1000).toFixed(1)} s`);
  }
  // Idempotent and cheap: files already identical are left alone (their ETags stay stable).
  writeStaticRoot(staticRootFor(dbPath), SITE_ASSETS_DIR);
  // A run killed hard (second Ctrl-C) during the no-index stage leaves the index dropped;
  // every stage would then be measured without it.
  if (!userIdIndexExists(dbPath)) {
    log('the photos.user_id index was missing (an interrupted run?): recreating it');
    createUserIdIndex(dbPath);
  }
}

export function readDataFacts(dbPath: string): DataFacts {
  const db = openDb(dbPath, { readonly: true });
  try {
    const { n } = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users').get()!;
    // Not user 1: it is the canary whose name is all HTML-dangerous characters; a middle user is
    // a typical page. (The canary is checked by the app's own smoke suite.)
    const id = Math.max(1, Math.ceil(n / 2));
    const row = db
      .prepare<[number], { name: string; display_name: string }>(
        'SELECT name, display_name FROM users WHERE id = ?',
      )
      .get(id);
    return { users: n, smokeUser: { id, names: row ? [row.display_name, row.name] : [] } };
  } finally {
    db.close();
  }
}
