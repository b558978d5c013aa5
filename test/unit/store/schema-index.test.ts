import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { isFkError } from '../../../src/errors.js';
import { seedDatabase } from '../../../src/store/seed.js';
import {
  createUserIdIndex,
  dropUserIdIndex,
  userIdIndexExists,
  userPageQueryPlan,
} from '../../../src/store/sqlite-index.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-schema-'));
const dbPath = join(dir, 'fk.db');
before(() => {
  seedDatabase({ dbPath, users: 200, seed: 1, force: false });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('schema: users, photos, sessions, meta with the documented columns', () => {
  const db = new Database(dbPath, { readonly: true });
  try {
    const cols = (t: string) =>
      (db.prepare(`PRAGMA table_info(${t})`).all() as Array<{ name: string }>).map((c) => c.name);
    assert.deepEqual(cols('users'), ['id', 'name', 'display_name', 'bio', 'joined_at']);
    assert.deepEqual(cols('photos'), ['id', 'user_id', 'title', 'taken_at', 'thumbnail']);
    assert.deepEqual(cols('sessions'), ['id', 'user_id', 'created_at', 'expires_at']);
    assert.deepEqual(db.prepare("SELECT value FROM meta WHERE key = 'users'").get(), { value: '200' });
    assert.deepEqual(db.pragma('journal_mode', { simple: true }), 'wal');
  } finally {
    db.close();
  }
});

test('the photos.user_id index exists by default and toggles, changing the query plan', () => {
  assert.equal(userIdIndexExists(dbPath), true);
  assert.match(userPageQueryPlan(dbPath), /USING (COVERING )?INDEX photos_user_id/);
  dropUserIdIndex(dbPath);
  assert.equal(userIdIndexExists(dbPath), false);
  assert.match(userPageQueryPlan(dbPath), /^SCAN photos/);
  dropUserIdIndex(dbPath); // idempotent
  createUserIdIndex(dbPath);
  assert.equal(userIdIndexExists(dbPath), true);
  assert.match(userPageQueryPlan(dbPath), /USING (COVERING )?INDEX photos_user_id/);
  createUserIdIndex(dbPath); // idempotent
});

test('a running store keeps answering while the index is dropped and recreated', async () => {
  const store = new SqliteStore(dbPath);
  try {
    const before = await store.photosOf(5);
    dropUserIdIndex(dbPath);
    assert.deepEqual(await store.photosOf(5), before);
    createUserIdIndex(dbPath);
    assert.deepEqual(await store.photosOf(5), before);
  } finally {
    await store.close();
  }
});

test('SqliteStore reads users and photos', async () => {
  const store = new SqliteStore(dbPath);
  try {
    const u = await store.getUser(1);
    assert.equal(u?.name, 'canary');
    assert.equal((await store.findUserByName('canary'))?.id, 1);
    assert.equal(await store.getUser(201), undefined);
    assert.equal(await store.userCount(), 200);
    assert.deepEqual(
      (await store.someUsers(3)).map((x) => x.id),
      [1, 2, 3],
    );
    const photos = await store.photosOf(1);
    assert.ok(photos.length >= 10 && photos.length <= 20);
    assert.ok(photos.every((p) => p.userId === 1));
    assert.deepEqual(
      photos.map((p) => p.id),
      [...photos.map((p) => p.id)].sort((a, b) => a - b),
    );
  } finally {
    await store.close();
  }
});

test('a missing database is E_DB_MISSING, and no empty file is created', () => {
  const missing = join(dir, 'nope.db');
  assert.throws(
    () => new SqliteStore(missing),
    (e: unknown) => isFkError(e) && e.code === 'E_DB_MISSING',
  );
  assert.throws(
    () => userIdIndexExists(missing),
    (e: unknown) => isFkError(e) && e.code === 'E_DB_MISSING',
  );
});
