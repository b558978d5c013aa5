/**
 * The ladder's data: seeded once, reused afterwards (seeding 100k users is seconds, but a run that
 * re-seeds would also change every figure's input). Quick runs use their own small database.
 */
import { existsSync } from 'node:fs';
import { writeStaticRoot } from '../assets/static-site.js';
import { SITE_ASSETS_DIR, staticRootFor } from '../paths.js';
import { DEFAULT_SEED, seedDatabase } from '../store/seed.js';
import { createUserIdIndex, userIdIndexExists } from '../store/sqlite-index.js';

export { type DataFacts, readDataFacts } from '../store/data-facts.js';

/** The bench's URL-template seed: two ladder runs request the same users in the same order. */
export const BENCH_SEED = 2007;

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
