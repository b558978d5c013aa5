import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SITE_ASSETS_DIR, staticRootFor } from '../../src/paths.js';
import { seedDatabase } from '../../src/store/seed.js';
import { writeStaticRoot } from '../../src/store/thumbnails.js';

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
