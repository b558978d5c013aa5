import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import type { PostgresTarget } from '../../src/store/db-target.js';
import {
  type OwnPostgres,
  type OwnPostgresOptions,
  startOwnPostgres,
} from '../../src/store/postgres/cluster.js';
import { findPostgresBinDir, PG_PACKAGE, postgresOsUser } from '../../src/store/postgres/pg-binaries.js';
import { seedPostgres } from '../../src/store/postgres/pg-seed.js';

/**
 * One small PostgreSQL cluster per test file: initdb into a temp dir on first use (~1 s), on a
 * free loopback port (never the machine's own PostgreSQL on 5432), stopped by PID and removed
 * when the file's tests are done. Missing binaries: the test fails in CI, skips (saying why)
 * elsewhere, as test/helpers/prereq.ts does for the other servers.
 */
export interface TestPg {
  /** The temp dir holding the cluster (data/) and a static root (static/). */
  dir: string;
  dataDir: string;
  pg: OwnPostgres;
  target: PostgresTarget;
  /** Fast shutdown, then start again on the same port (clients keep their URL). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Small settings: tests hold a few hundred users, and several files may run clusters in turn. */
const SMALL: Partial<OwnPostgresOptions> = { sharedBuffersMb: 32, maxConnections: 40 };

export function requirePostgres(t: TestContext): boolean {
  if (findPostgresBinDir() !== undefined) return true;
  const why = `PostgreSQL server binaries are not installed (apt-get install ${PG_PACKAGE})`;
  if (process.env.CI === 'true') throw new Error(`${why}: required in CI`);
  t.diagnostic(`skipping: ${why}`);
  t.skip(why);
  return false;
}

export function pgCluster(
  opts: Partial<OwnPostgresOptions> = {},
): (t: TestContext) => Promise<TestPg | undefined> {
  let started: Promise<TestPg> | undefined;
  let current: TestPg | undefined;
  after(async () => {
    if (started !== undefined) await (await started.catch(() => undefined))?.stop();
    if (current !== undefined) rmSync(current.dir, { recursive: true, force: true });
  });
  return async (t) => {
    if (!requirePostgres(t)) return undefined;
    started ??= (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fk-pg-'));
      // PostgreSQL runs as `postgres` when we are root: it must be able to enter the temp dir.
      const u = postgresOsUser();
      if (u !== undefined) chownSync(dir, u.uid, u.gid);
      const dataDir = join(dir, 'data');
      const o = { ...SMALL, ...opts, dataDir };
      let pg = await startOwnPostgres(o);
      const port = pg.port;
      const handle: TestPg = {
        dir,
        dataDir,
        get pg() {
          return pg;
        },
        target: { kind: 'postgres', url: pg.url, staticRoot: join(dir, 'static'), own: true },
        stop: () => pg.stop(),
        start: async () => {
          pg = await startOwnPostgres({ ...o, port });
        },
        restart: async () => {
          await pg.stop();
          pg = await startOwnPostgres({ ...o, port });
        },
      };
      current = handle;
      return handle;
    })();
    return started;
  };
}

/** Seeds the cluster once per file (users 1..n, --seed 1 unless given). */
export function seededOnce(
  cluster: (t: TestContext) => Promise<TestPg | undefined>,
  users = 300,
  seed = 1,
): (t: TestContext) => Promise<TestPg | undefined> {
  let seeded: Promise<void> | undefined;
  return async (t) => {
    const c = await cluster(t);
    if (c === undefined) return undefined;
    seeded ??= seedPostgres({ url: c.target.url, users, seed, force: true }).then(() => {});
    await seeded;
    return c;
  };
}
