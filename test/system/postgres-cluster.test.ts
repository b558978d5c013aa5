import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { runCli } from '../../src/cli/run.js';
import { canConnect, freePort } from '../../src/daemons/free-port.js';
import { isFkError } from '../../src/errors.js';
import { distPath } from '../../src/paths.js';
import {
  checkConnectionBudget,
  connectTarget,
  openPhotoStore,
  readConnectionLimits,
  readDataFacts,
} from '../../src/store/database.js';
import { startOwnPostgres } from '../../src/store/postgres/cluster.js';
import { postgresOsUser } from '../../src/store/postgres/pg-binaries.js';
import { seedPostgres } from '../../src/store/postgres/pg-seed.js';
import { seedDatabase } from '../../src/store/seed.js';
import { fakeIo } from '../helpers/fake-io.js';
import { pgCluster, requirePostgres } from '../helpers/pg.js';

/**
 * The project's own PostgreSQL for real: initdb once, start on a free loopback port, attach when
 * already running, fast shutdown by PID, data kept across restarts; and what a user sees when a
 * server is not there or too small (one line, no password).
 */
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fk-pg-own-'));
  dirs.push(dir);
  const u = postgresOsUser();
  if (u !== undefined) chownSync(dir, u.uid, u.gid);
  return dir;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('own cluster: initdb once, attach while running, stop by PID, restart keeps the data', async (t) => {
  if (!requirePostgres(t)) return;
  const dataDir = join(tempRoot(), 'pg');
  const lines: string[] = [];
  const small = { dataDir, sharedBuffersMb: 32, maxConnections: 30, log: (l: string) => lines.push(l) };
  const first = await startOwnPostgres(small);
  let stopped = false;
  t.after(async () => {
    if (!stopped) await first.stop();
  });
  assert.match(first.url, /^postgres:\/\/fk@127\.0\.0\.1:\d+\/flickr_killr$/);
  assert.ok(first.service !== undefined && alive(first.service.pid));
  assert.match(lines.join('\n'), /initdb/);
  const created = statSync(join(dataDir, 'PG_VERSION')).mtimeMs;
  await seedPostgres({ url: first.url, users: 120, seed: 1, force: false });

  // A second command of ours (e.g. `index status` beside a running ladder) attaches to it.
  const second = await startOwnPostgres({ ...small, log: () => {} });
  assert.equal(second.url, first.url);
  assert.equal(second.service, undefined);
  await second.stop(); // a no-op: not ours to stop
  assert.ok(alive(first.service.pid));

  const pid = first.service.pid;
  await first.stop();
  stopped = true;
  assert.equal(alive(pid), false, 'the postmaster is gone');
  assert.equal(await canConnect(first.port), false, 'and its port closed');

  const again = await startOwnPostgres(small);
  try {
    assert.equal(statSync(join(dataDir, 'PG_VERSION')).mtimeMs, created, 'no second initdb');
    const target = {
      kind: 'postgres',
      url: again.url,
      staticRoot: join(dataDir, 'static'),
      own: true,
    } as const;
    assert.equal((await readDataFacts(target)).users, 120, 'seeded once and kept');
  } finally {
    await again.stop();
  }
});

test('connectTarget starts the own cluster for `--db postgres` and stops only what it started', async (t) => {
  if (!requirePostgres(t)) return;
  const dataDir = join(tempRoot(), 'pg');
  const c = await connectTarget(
    { kind: 'own-postgres', dataDir },
    { sharedBuffersMb: 32, maxConnections: 30 },
  );
  try {
    assert.equal(c.target.kind, 'postgres');
    assert.ok(c.service !== undefined);
    assert.equal(c.target.kind === 'postgres' && c.target.staticRoot, join(dataDir, '..', 'static'));
  } finally {
    await c.stop();
  }
  assert.equal(c.service.isRunning(), false);
  const file = await connectTarget({ kind: 'sqlite', path: '/nowhere/x.db' });
  assert.deepEqual(file.target, { kind: 'sqlite', path: '/nowhere/x.db' });
  assert.equal(file.service, undefined);
});

test('nothing listening: E_DB_UNREACHABLE, one line, the URL without its password', async () => {
  const port = await freePort();
  const url = `postgres://fk:hunter2@127.0.0.1:${port}/fk?password=hunter2&sslmode=disable`;
  await assert.rejects(
    openPhotoStore({ kind: 'postgres', url, staticRoot: '/x', own: false }),
    (e: unknown) => {
      assert.ok(isFkError(e) && e.code === 'E_DB_UNREACHABLE', String(e));
      assert.equal(
        e.message,
        `cannot connect to PostgreSQL at postgres://fk@127.0.0.1:${port}/fk?sslmode=disable: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      return true;
    },
  );
  for (const argv of [
    ['index', 'status', '--db', url],
    ['seed', '--users', '10', '--db', url],
  ]) {
    const io = fakeIo();
    assert.equal(await runCli(argv, io), 1);
    const err = io.err.join('');
    assert.match(err, /^flickr-killr: cannot connect to PostgreSQL at .* \[E_DB_UNREACHABLE\]\n {2}hint: /);
    assert.equal(err.trimEnd().split('\n').length, 2, 'one line and its hint');
    assert.ok(!err.includes('hunter2'), err);
    assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
  }
  // The same through DATABASE_URL.
  const io = fakeIo({ env: { DATABASE_URL: url } });
  assert.equal(await runCli(['index', 'status'], io), 1);
  assert.ok(!io.err.join('').includes('hunter2'));
});

const cluster = pgCluster({ maxConnections: 20 });

test('connection budget: the server’s numbers, and a clear error when processes × pool do not fit', async (t) => {
  const pg = await cluster(t);
  if (pg === undefined) return;
  const limits = await readConnectionLimits(pg.target);
  assert.equal(limits.maxConnections, 20);
  assert.equal(limits.reserved, 3);
  assert.ok(limits.inUse >= 1);
  checkConnectionBudget({
    processes: 4,
    poolSize: 4,
    maxConnections: limits.maxConnections,
    reserved: limits.reserved,
  });
  assert.throws(
    () =>
      checkConnectionBudget({
        processes: 8,
        poolSize: 4,
        maxConnections: limits.maxConnections,
        reserved: limits.reserved,
      }),
    /8 app processes × pool 4 = 32 connections do not fit max_connections 20 minus 3 reserved \(17 available\)/,
  );
});

test('a database never seeded is E_DB_MISSING naming the seed command', async (t) => {
  const pg = await cluster(t);
  if (pg === undefined) return;
  await assert.rejects(openPhotoStore(pg.target), (e: unknown) => {
    assert.ok(isFkError(e) && e.code === 'E_DB_MISSING');
    assert.match(
      e.message,
      /no demo data in postgres:\/\/fk@127\.0\.0\.1:\d+\/flickr_killr .*flickr-killr seed --db/,
    );
    return true;
  });
  await assert.rejects(readDataFacts(pg.target), (e: unknown) => isFkError(e) && e.code === 'E_DB_MISSING');
  const io = fakeIo();
  assert.equal(await runCli(['index', 'status', '--db', pg.target.url], io), 1);
  assert.match(io.err.join(''), /no demo data in .* \[E_DB_MISSING\]/);
});

test('a real server refusing us (no such database): E_DB_UNREACHABLE, password never shown', async (t) => {
  const pg = await cluster(t);
  if (pg === undefined) return;
  const url = `postgres://fk:hunter2@127.0.0.1:${pg.pg.port}/nope?password=hunter2`;
  await assert.rejects(
    openPhotoStore({ kind: 'postgres', url, staticRoot: '/x', own: false }),
    (e: unknown) => {
      assert.ok(isFkError(e) && e.code === 'E_DB_UNREACHABLE', String(e));
      assert.match(e.message, /database "nope" does not exist/);
      assert.ok(!e.message.includes('hunter2') && !String(e.stack).includes('hunter2'), e.message);
      return true;
    },
  );
});

/**
 * Lazy imports, checked in a fresh process (dist/, as stages spawn it): a resolve hook reports
 * every module of either driver that gets loaded while the app's stores open and answer.
 */
const HOOK = `data:text/javascript,${encodeURIComponent(`
  export async function resolve(s, c, next) {
    const r = await next(s, c);
    const m = /node_modules\\/(postgres|better-sqlite3)\\//.exec(r.url);
    if (m) process.stderr.write('driver ' + m[1] + '\\n');
    return r;
  }`)}`;

async function driversLoaded(target: object): Promise<string[]> {
  const code = `
    import { register } from 'node:module';
    register(${JSON.stringify(HOOK)});
    const { openPhotoStore } = await import(${JSON.stringify(distPath('store', 'database.js'))});
    const { openDbSessionStore } = await import(${JSON.stringify(distPath('session', 'open-db-session.js'))});
    const t = ${JSON.stringify(target)};
    const store = await openPhotoStore(t);
    const sessions = await openDbSessionStore(t);
    const s = await sessions.create(1, 60000);
    if ((await store.getUser(1)).name !== 'canary' || !(await sessions.touch(s.id, 60000))) process.exit(3);
    await sessions.close();
    await store.close();`;
  const { stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
    timeout: 30_000,
  });
  return [...new Set(stderr.split('\n').filter((l) => l.startsWith('driver ')))].sort();
}

test('an app process on SQLite never loads the postgres driver, nor one on PostgreSQL better-sqlite3', async (t) => {
  assert.ok(existsSync(distPath('store', 'database.js')), 'dist/ is built (npm run build)');
  const path = join(tempRoot(), 'lazy.db');
  seedDatabase({ dbPath: path, users: 5, seed: 1, force: false });
  assert.deepEqual(await driversLoaded({ kind: 'sqlite', path }), ['driver better-sqlite3']);
  const pg = await cluster(t);
  if (pg === undefined) return;
  await seedPostgres({ url: pg.target.url, users: 5, seed: 1, force: true });
  assert.deepEqual(await driversLoaded(pg.target), ['driver postgres']);
});
