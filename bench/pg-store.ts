/**
 * Our own PostgreSQL store's speed, to back the settings in store/postgres/pg-config.ts and the
 * pool default in store/postgres/pool.ts: (1) session touches (one UPDATE … RETURNING, a commit
 * each) per second under synchronous_commit on/off and fsync on/off; (2) page queries
 * (getUser + photosOf) per second from one process by pool size; (3) the page query without
 * the photos.user_id index. Starts its own cluster in a temp dir and removes it.
 * Run: npx tsx bench/pg-store.ts   (~40 s; USERS=20000 by default). Compare rows of one run.
 */
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgSessionStore } from '../src/session/pg-store.js';
import { indexToggle } from '../src/store/database.js';
import { startOwnPostgres } from '../src/store/postgres/cluster.js';
import { postgresOsUser } from '../src/store/postgres/pg-binaries.js';
import { seedPostgres } from '../src/store/postgres/pg-seed.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { createSql } from '../src/store/postgres/pool.js';

const USERS = Number(process.env.USERS ?? 20_000);
const SECONDS = Number(process.env.SECONDS ?? 3);

/** Operations per second of `op` run by `concurrency` loops for SECONDS. */
async function rate(
  concurrency: number,
  op: (i: number) => Promise<unknown>,
  seconds = SECONDS,
): Promise<number> {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < end; i += concurrency) {
        await op(i);
        done++;
      }
    }),
  );
  return done / seconds;
}

const dir = mkdtempSync(join(tmpdir(), 'fk-pg-bench-'));
const u = postgresOsUser();
if (u !== undefined) chownSync(dir, u.uid, u.gid);
const pg = await startOwnPostgres({ dataDir: join(dir, 'pg') });
try {
  const seeded = await seedPostgres({ url: pg.url, users: USERS, seed: 1, force: true });
  console.log(`seeded ${seeded.users} users, ${seeded.photos} photos in ${(seeded.ms / 1000).toFixed(2)} s`);
  const admin = createSql(pg.url, { max: 1 });
  const set = async (k: string, v: string) => {
    await admin.unsafe(`ALTER SYSTEM SET ${k} = '${v}'`);
    await admin.unsafe('SELECT pg_reload_conf()');
  };

  console.log('\n(1) session touches/s (UPDATE … RETURNING, one commit each), pool 4');
  console.log('synchronous_commit | fsync | 1 at a time | 32 concurrent');
  for (const [sync, fsync] of [
    ['on', 'on'],
    ['off', 'on'],
    ['off', 'off'],
  ] as const) {
    await set('synchronous_commit', sync);
    await set('fsync', fsync);
    await new Promise((r) => setTimeout(r, 200)); // the reload reaches every backend
    const store = PgSessionStore.open(pg.url, { max: 4, applicationName: `bench-${sync}-${fsync}` });
    const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => store.create(1 + i, 600_000)));
    const touch = (i: number) => store.touch(ids[i % ids.length]!.id, 600_000);
    const one = await rate(1, touch);
    const many = await rate(32, touch);
    console.log(
      `${sync.padEnd(18)} | ${fsync.padEnd(5)} | ${one.toFixed(0).padStart(11)} | ${many.toFixed(0).padStart(13)}`,
    );
    await store.close();
  }
  await set('synchronous_commit', 'off');
  await set('fsync', 'on');

  console.log('\n(2) page queries/s (getUser + photosOf) from one process, 64 concurrent requests');
  console.log('pool size | pages/s');
  for (const max of [1, 2, 4, 8]) {
    const store = await PgStore.open(pg.url, { max, applicationName: `bench-pool-${max}` });
    const page = async (i: number) => {
      const id = 1 + ((i * 7919) % USERS);
      await store.getUser(id);
      await store.photosOf(id);
    };
    await rate(64, page, 1); // warm-up: connections and prepared statements
    console.log(`${String(max).padStart(9)} | ${(await rate(64, page)).toFixed(0).padStart(7)}`);
    await store.close();
  }

  console.log('\n(3) without the photos.user_id index (scans every photo), 8 concurrent requests');
  console.log('pool size | pages/s | ms per page query (mean, one at a time)');
  const index = indexToggle({ kind: 'postgres', url: pg.url, staticRoot: dir, own: true });
  await index.drop();
  try {
    for (const max of [1, 4]) {
      const store = await PgStore.open(pg.url, {
        max,
        statementTimeoutMs: 0,
        applicationName: `bench-scan-${max}`,
      });
      const q = (i: number) => store.photosOf(1 + ((i * 7919) % USERS));
      await rate(1, q, 1);
      const single = await rate(1, q);
      const conc = await rate(8, q);
      console.log(
        `${String(max).padStart(9)} | ${conc.toFixed(1).padStart(7)} | ${(1000 / single).toFixed(1)}`,
      );
      await store.close();
    }
  } finally {
    await index.create();
  }
  await admin.end();
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
