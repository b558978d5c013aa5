import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { CANARY, demoData } from '../../../src/store/demo-data.js';
import { seedDatabase } from '../../../src/store/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-demo-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('demoData is deterministic per seed, and lazy', () => {
  const a = [...demoData(50, 7)];
  assert.deepEqual(a, [...demoData(50, 7)]);
  assert.notDeepEqual(a, [...demoData(50, 8)]);
  // The first users do not depend on how many follow: the same seed grows the same prefix.
  assert.deepEqual([...demoData(10, 7)], a.slice(0, 10));
  const it = demoData(1_000_000_000, 1);
  assert.equal(it.next().value?.name, CANARY.name, 'one user at a time, nothing generated ahead');
});

test('photo ids run 1.. across users in order; 10–20 photos each', () => {
  let next = 1;
  for (const u of demoData(200, 3)) {
    assert.ok(u.photos.length >= 10 && u.photos.length <= 20);
    for (const p of u.photos) {
      assert.equal(p.id, next++);
      assert.equal(p.userId, u.id);
    }
  }
});

test('the SQLite seed is a sink of demoData: every row equal', () => {
  const dbPath = join(dir, 'fk.db');
  seedDatabase({ dbPath, users: 200, seed: 5, force: false });
  const db = new Database(dbPath, { readonly: true });
  try {
    const users = db
      .prepare(
        'SELECT id, name, display_name AS displayName, bio, joined_at AS joinedAt FROM users ORDER BY id',
      )
      .all();
    const photos = db
      .prepare('SELECT id, user_id AS userId, title, taken_at AS takenAt, thumbnail FROM photos ORDER BY id')
      .all();
    const data = [...demoData(200, 5)];
    assert.deepEqual(
      users,
      data.map(({ photos: _, ...u }) => u),
    );
    assert.deepEqual(
      photos,
      data.flatMap((u) => u.photos),
    );
  } finally {
    db.close();
  }
});
