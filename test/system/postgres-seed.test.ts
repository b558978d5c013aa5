import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../../src/cli/run.js';
import { isFkError } from '../../src/errors.js';
import { openPhotoStore, readDataFacts } from '../../src/store/database.js';
import { postgresOsUser } from '../../src/store/postgres/pg-binaries.js';
import { seedPostgres } from '../../src/store/postgres/pg-seed.js';
import { createSql } from '../../src/store/postgres/pool.js';
import { seedDatabase } from '../../src/store/seed.js';
import { fakeIo } from '../helpers/fake-io.js';
import { pgCluster, requirePostgres } from '../helpers/pg.js';

/**
 * `seed` on PostgreSQL: COPY of the same deterministic data as SQLite, all or nothing, kept
 * unless --force; the CLI's seed and index commands on a URL and on the own cluster.
 */
const cluster = pgCluster();
const dir = mkdtempSync(join(tmpdir(), 'fk-pg-seed-'));
const u = postgresOsUser();
if (u !== undefined) chownSync(dir, u.uid, u.gid); // `--db postgres` below puts a cluster in dir/data/pg
after(() => rmSync(dir, { recursive: true, force: true }));

test('the same --seed gives the same users and photos on SQLite and PostgreSQL', async (t) => {
  const pg = await cluster(t);
  if (pg === undefined) return;
  const sqlitePath = join(dir, 'same.db');
  seedDatabase({ dbPath: sqlitePath, users: 400, seed: 3, force: false });
  const r = await seedPostgres({ url: pg.target.url, users: 400, seed: 3, force: true });
  const sqlite = await openPhotoStore({ kind: 'sqlite', path: sqlitePath });
  const postgres = await openPhotoStore(pg.target);
  try {
    assert.equal(await postgres.userCount(), await sqlite.userCount());
    for (const id of [1, 2, 17, 99, 200, 333, 400]) {
      assert.deepStrictEqual(
        { ...(await postgres.getUser(id)) },
        { ...(await sqlite.getUser(id)) },
        `user ${id}`,
      );
      assert.deepStrictEqual(
        (await postgres.photosOf(id)).map((p) => ({ ...p })),
        (await sqlite.photosOf(id)).map((p) => ({ ...p })),
        `photos of ${id}`,
      );
    }
    const db = new Database(sqlitePath, { readonly: true });
    try {
      assert.equal(r.photos, (db.prepare('SELECT count(*) AS n FROM photos').get() as { n: number }).n);
    } finally {
      db.close();
    }
  } finally {
    await sqlite.close();
    await postgres.close();
  }
});

test('the PostgreSQL schema has the SQLite columns, in order, with their types', async (t) => {
  const pg = await cluster(t);
  if (pg === undefined) return;
  const sqlitePath = join(dir, 'same.db');
  const db = new Database(sqlitePath, { readonly: true });
  const sql = createSql(pg.target.url, { max: 1 });
  try {
    for (const table of ['users', 'photos', 'sessions', 'meta']) {
      const lite = (
        db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string; type: string }>
      ).map((c) => `${c.name} ${c.type}`);
      const rows = await sql<Array<{ name: string; type: string }>>`
        SELECT column_name AS name, upper(data_type) AS type FROM information_schema.columns
        WHERE table_schema = 'flickr_killr' AND table_name = ${table} ORDER BY ordinal_position`;
      const names = { 'CHARACTER(32)': 'CHAR(32)' } as Record<string, string>;
      const pgCols = rows.map(
        (c) => `${c.name} ${c.type === 'CHARACTER' ? 'CHAR(32)' : (names[c.type] ?? c.type)}`,
      );
      assert.deepEqual(pgCols, lite, table);
    }
    const [idx] = await sql`SELECT indexdef FROM pg_indexes WHERE indexname = 'photos_user_id'`;
    assert.match(String(idx?.indexdef), /ON flickr_killr\.photos USING btree \(user_id\)/);
    const fks =
      await sql`SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = 'flickr_killr.photos'::regclass`;
    assert.equal(fks.length, 1, 'photos.user_id references users');
  } finally {
    db.close();
    await sql.end();
  }
});

test('seed is all or nothing: an interrupted seed keeps the previous data; without --force it is E_DB_EXISTS', async (t) => {
  const pg = await cluster(t);
  if (pg === undefined) return;
  await seedPostgres({ url: pg.target.url, users: 50, seed: 1, force: true });
  await assert.rejects(
    seedPostgres({ url: pg.target.url, users: 60, seed: 2, force: false }),
    (e: unknown) => isFkError(e) && e.code === 'E_DB_EXISTS' && /flickr_killr/.test(e.message),
  );
  await assert.rejects(
    seedPostgres({
      url: pg.target.url,
      users: 500,
      seed: 2,
      force: true,
      onProgress: (f) => {
        if (f > 0.5) throw new Error('interrupted');
      },
    }),
    /interrupted/,
  );
  assert.equal((await readDataFacts(pg.target)).users, 50, 'the previous seed is intact');
});

test('Ctrl-C stops a PostgreSQL seed at once, mid-COPY or in the index build: E_INTERRUPTED, rolled back', async (t) => {
  const pg = await cluster(t);
  if (pg === undefined) return;
  await seedPostgres({ url: pg.target.url, users: 50, seed: 1, force: true });
  for (const when of ['rows', 'index']) {
    const ctl = new AbortController();
    const t0 = performance.now();
    await assert.rejects(
      seedPostgres({
        url: pg.target.url,
        users: 20_000,
        seed: 2,
        force: true,
        signal: ctl.signal,
        onProgress: (f, phase) => {
          if (phase === when && (when === 'index' || f > 0.3)) ctl.abort();
        },
      }),
      (e: unknown) => isFkError(e) && e.code === 'E_INTERRUPTED',
      when,
    );
    t.diagnostic(`${when}: stopped ${Math.round(performance.now() - t0)} ms after the start`);
    assert.equal((await readDataFacts(pg.target)).users, 50, `${when}: the previous seed is intact`);
  }
});

test('CLI on a URL: seed keeps, --force replaces, static files in data/static; index drop|status|create shows EXPLAIN', async (t) => {
  const pg = await cluster(t);
  if (pg === undefined) return;
  const cli = async (argv: string[], code = 0) => {
    const io = fakeIo({ cwd: dir });
    assert.equal(await runCli(argv, io), code, io.err.join(''));
    return { out: io.out.join(''), err: io.err.join('') };
  };
  const url = pg.target.url;
  const seeded = await cli(['seed', '--db', url, '--users', '80', '--force']);
  assert.match(
    seeded.out,
    /^seeded PostgreSQL postgres:\/\/fk@127\.0\.0\.1:\d+\/flickr_killr: 80 users, \d+ photos/,
  );
  assert.ok(existsSync(join(dir, 'data', 'static', 'thumbs', 't0999.png')));
  const kept = await cli(['seed', '--db', url, '--users', '90'], 1);
  assert.match(kept.err, /\[E_DB_EXISTS\]/);
  assert.match(kept.err, /--force/);
  assert.equal((await readDataFacts(pg.target)).users, 80);

  assert.match((await cli(['index', 'drop', '--db', url])).out, /absent \(plan: .*Seq Scan on photos/);
  assert.match((await cli(['index', 'status', '--db', url])).out, /absent/);
  assert.match(
    (await cli(['index', 'create', '--db', url])).out,
    /present \(plan: .*(Index Scan using|Bitmap Index Scan on) photos_user_id/,
  );
  // DATABASE_URL when --db is absent.
  const io = fakeIo({ cwd: dir, env: { DATABASE_URL: url } });
  assert.equal(await runCli(['index', 'status'], io), 0, io.err.join(''));
  assert.match(io.out.join(''), /present/);
});

test('CLI `--db postgres`: the own cluster under ./data/pg, started for the command and stopped after it', async (t) => {
  if (!requirePostgres(t)) return;
  const io = fakeIo({ cwd: dir });
  assert.equal(await runCli(['seed', '--db', 'postgres', '--users', '40'], io), 0, io.err.join(''));
  assert.match(
    io.out.join(''),
    /seeded PostgreSQL postgres:\/\/fk@127\.0\.0\.1:\d+\/flickr_killr \(own cluster\): 40 users/,
  );
  assert.ok(existsSync(join(dir, 'data', 'pg', 'PG_VERSION')));
  assert.equal(existsSync(join(dir, 'data', 'pg', 'postmaster.pid')), false, 'stopped after the command');
  const status = fakeIo({ cwd: dir });
  assert.equal(await runCli(['index', 'status', '--db', 'postgres'], status), 0, status.err.join(''));
  assert.match(status.out.join(''), /present/);
  const again = fakeIo({ cwd: dir });
  assert.equal(await runCli(['seed', '--db', 'postgres', '--users', '40'], again), 1);
  assert.match(again.err.join(''), /\[E_DB_EXISTS\]/);
  assert.equal(
    existsSync(join(dir, 'data', 'pg', 'postmaster.pid')),
    false,
    'stopped after a failed command too',
  );
});
