import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { isFkError } from '../../../src/errors.js';
import { CANARY, seedDatabase } from '../../../src/store/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-seed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A digest of every row of users and photos, in id order. */
function contentHash(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    const h = createHash('sha256');
    for (const r of db.prepare('SELECT * FROM users ORDER BY id').iterate()) h.update(JSON.stringify(r));
    for (const r of db.prepare('SELECT * FROM photos ORDER BY id').iterate()) h.update(JSON.stringify(r));
    return h.digest('hex');
  } finally {
    db.close();
  }
}

test('the same --seed gives the same database; another seed another one', () => {
  const a = join(dir, 'a.db');
  const b = join(dir, 'b.db');
  const c = join(dir, 'c.db');
  seedDatabase({ dbPath: a, users: 200, seed: 7, force: false });
  seedDatabase({ dbPath: b, users: 200, seed: 7, force: false });
  seedDatabase({ dbPath: c, users: 200, seed: 8, force: false });
  assert.equal(contentHash(a), contentHash(b));
  assert.notEqual(contentHash(a), contentHash(c));
});

test('users 1..N, 10–20 photos each, thumbnails by path, the canary is user 1', () => {
  const p = join(dir, 'shape.db');
  const r = seedDatabase({ dbPath: p, users: 200, seed: 1, force: false });
  const db = new Database(p, { readonly: true });
  try {
    const u = db.prepare('SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM users').get() as Record<
      string,
      number
    >;
    assert.deepEqual(u, { lo: 1, hi: 200, n: 200 });
    const per = db
      .prepare(
        'SELECT MIN(n) AS lo, MAX(n) AS hi, SUM(n) AS total FROM (SELECT COUNT(*) AS n FROM photos GROUP BY user_id)',
      )
      .get() as Record<string, number>;
    assert.ok(per.lo! >= 10 && per.hi! <= 20, JSON.stringify(per));
    assert.equal(per.total, r.photos);
    const orphans = db
      .prepare('SELECT COUNT(*) AS n FROM photos WHERE user_id NOT IN (SELECT id FROM users)')
      .get();
    assert.deepEqual(orphans, { n: 0 });
    const bad = db
      .prepare("SELECT COUNT(*) AS n FROM photos WHERE thumbnail NOT GLOB 'thumbs/t[0-9][0-9][0-9][0-9].png'")
      .get();
    assert.deepEqual(bad, { n: 0 });
    const canary = db.prepare('SELECT name, display_name FROM users WHERE id = 1').get();
    assert.deepEqual(canary, { name: CANARY.name, display_name: CANARY.displayName });
    // Dangerous and non-ASCII text is spread through the data, not only in the canary.
    const risky = db
      .prepare("SELECT COUNT(*) AS n FROM photos WHERE title LIKE '%<%' OR title LIKE '%&%'")
      .get() as { n: number };
    assert.ok(risky.n > 100, `${risky.n} risky titles`);
    const names = db.prepare('SELECT COUNT(DISTINCT name) AS n FROM users').get();
    assert.deepEqual(names, { n: 200 });
  } finally {
    db.close();
  }
});

test('reseeding without --force is E_DB_EXISTS and destroys nothing; --force replaces it', () => {
  const p = join(dir, 'keep.db');
  seedDatabase({ dbPath: p, users: 50, seed: 1, force: false });
  const before = contentHash(p);
  const mtime = statSync(p).mtimeMs;
  assert.throws(
    () => seedDatabase({ dbPath: p, users: 60, seed: 2, force: false }),
    (e: unknown) => isFkError(e) && e.code === 'E_DB_EXISTS',
  );
  assert.equal(contentHash(p), before);
  assert.equal(statSync(p).mtimeMs, mtime);
  seedDatabase({ dbPath: p, users: 60, seed: 2, force: true });
  const db = new Database(p, { readonly: true });
  assert.deepEqual(db.prepare('SELECT COUNT(*) AS n FROM users').get(), { n: 60 });
  db.close();
  // No temp files left behind.
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.seeding-')),
    [],
  );
});

test('a seed that fails leaves no half database behind', () => {
  const p = join(dir, 'sub', 'fail.db');
  assert.throws(() =>
    seedDatabase({
      dbPath: p,
      users: 100,
      seed: 1,
      force: false,
      onProgress: (f) => {
        if (f > 0.5) throw new Error('interrupted');
      },
    }),
  );
  assert.equal(existsSync(p), false);
  assert.deepEqual(readdirSync(join(dir, 'sub')), []);
});
