import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FkError } from '../../errors.js';
import { redact } from '../db-target.js';
import { demoData } from '../demo-data.js';
import type { SeedResult } from '../seed.js';
import { copyRow } from './copy-text.js';
import { toStoreError } from './pg-errors.js';
import {
  AFTER_LOAD,
  COPY_PHOTOS,
  COPY_USERS,
  CREATE_SCHEMA,
  CREATE_TABLES_FOR_LOAD,
  DROP_SCHEMA,
  IS_SEEDED,
} from './pg-schema.js';
import { createSql, PG_SCHEMA, type Sql } from './pool.js';

export interface PgSeedOptions {
  url: string;
  users: number;
  seed: number;
  force: boolean;
  onProgress?: (fraction: number, phase: string) => void;
  /** Ctrl-C: the connection is closed at once, so the server rolls the one transaction back. */
  signal?: AbortSignal;
}

// COPY data goes out as one CopyData message per chunk: ~256 KB keeps messages few and memory flat.
const CHUNK_BYTES = 256 * 1024;

/**
 * The PostgreSQL sink of demoData(): one transaction that replaces schema flickr_killr, creates
 * the tables, streams the photos and then the users through COPY (no INSERT loop), builds keys and
 * the photos.user_id index after the load, and ANALYZEs. Tables created in the same transaction as
 * their COPY skip WAL on a wal_level=minimal server (the own cluster). All or nothing: an
 * interrupted seed leaves the previous data (or none), never half of it, and without --force an
 * existing seed is kept (E_DB_EXISTS), as for SQLite.
 */
function interrupted(): FkError {
  return new FkError(
    'E_INTERRUPTED',
    'seed interrupted: its transaction was rolled back, the database is as it was',
  );
}

export async function seedPostgres(o: PgSeedOptions): Promise<SeedResult> {
  const started = performance.now();
  // No statement_timeout: building the index over 1.5 M rows is one long statement.
  const sql = createSql(o.url, { max: 1, statementTimeoutMs: 0, applicationName: 'flickr-killr seed' });
  let contacted = false;
  // Closing the socket is the one way to stop a statement in flight (the index build, a COPY)
  // without a second connection for pg_cancel_backend; PostgreSQL then aborts the transaction.
  const interrupt = () => void sql.end({ timeout: 0 });
  o.signal?.addEventListener('abort', interrupt, { once: true });
  try {
    if (o.signal?.aborted) throw interrupted();
    const seeded = await isSeededWith(sql);
    contacted = true;
    if (seeded && !o.force) {
      throw new FkError('E_DB_EXISTS', `${redact(o.url)} already holds the demo data (schema ${PG_SCHEMA})`);
    }
    let photos = 0;
    await sql.begin(async (tx) => {
      await tx.unsafe("SET LOCAL maintenance_work_mem = '256MB'");
      await tx.unsafe(DROP_SCHEMA);
      await tx.unsafe(CREATE_SCHEMA);
      for (const ddl of CREATE_TABLES_FOR_LOAD) await tx.unsafe(ddl);
      // Photos stream while they are generated; the 100k user rows (~8 MB) wait in memory for
      // their own COPY, since one connection runs one COPY at a time and the generator yields
      // each user together with its photos.
      const userRows: string[] = [];
      const step = Math.max(1, Math.floor(o.users / 100));
      function* photoChunks(): Generator<string> {
        let chunk = '';
        for (const u of demoData(o.users, o.seed)) {
          userRows.push(copyRow([u.id, u.name, u.displayName, u.bio, u.joinedAt]));
          for (const p of u.photos) chunk += copyRow([p.id, p.userId, p.title, p.takenAt, p.thumbnail]);
          photos += u.photos.length;
          if (chunk.length >= CHUNK_BYTES) {
            yield chunk;
            chunk = '';
          }
          if (o.onProgress && u.id % step === 0) o.onProgress(u.id / o.users, 'rows');
        }
        if (chunk !== '') yield chunk;
      }
      await pipeline(
        Readable.from(photoChunks(), { objectMode: false }),
        await tx.unsafe(COPY_PHOTOS).writable(),
      );
      await pipeline(
        Readable.from(chunked(userRows), { objectMode: false }),
        await tx.unsafe(COPY_USERS).writable(),
      );
      o.onProgress?.(1, 'index');
      for (const ddl of AFTER_LOAD) await tx.unsafe(ddl);
      await tx`INSERT INTO meta (key, value) VALUES ('seed', ${String(o.seed)}), ('users', ${String(o.users)})`;
      // Fresh statistics, or the planner guesses row counts and may pass over the index.
      await tx.unsafe('ANALYZE users');
      await tx.unsafe('ANALYZE photos');
    });
    return { users: o.users, photos, ms: performance.now() - started };
  } catch (e) {
    if (o.signal?.aborted) throw interrupted();
    throw toStoreError(e, o.url, { connecting: !contacted });
  } finally {
    o.signal?.removeEventListener('abort', interrupt);
    await sql.end({ timeout: 5 });
  }
}

function* chunked(rows: string[]): Generator<string> {
  let chunk = '';
  for (const r of rows) {
    chunk += r;
    if (chunk.length >= CHUNK_BYTES) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

async function isSeededWith(sql: Sql): Promise<boolean> {
  const [row] = await sql.unsafe<Array<{ seeded: boolean }>>(IS_SEEDED);
  return row?.seeded === true;
}

/** True once a seed has committed its data into this database. */
export async function isPostgresSeeded(url: string): Promise<boolean> {
  const sql = createSql(url, { max: 1 });
  try {
    return await isSeededWith(sql);
  } catch (e) {
    throw toStoreError(e, url, { connecting: true });
  } finally {
    await sql.end({ timeout: 1 });
  }
}
