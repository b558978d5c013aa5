import { USER_ID_INDEX } from '../schema.js';
import { PG_SCHEMA } from './pool.js';

/**
 * The demo's schema on PostgreSQL: the same tables, columns and types as store/schema.ts (a
 * conformance test compares both catalogs), plus what PostgreSQL needs:
 * - its own schema (PG_SCHEMA), so a user's database keeps any `users` table of its own;
 * - keys and the foreign key added after the bulk load: COPY then writes bare heaps, and each
 *   index is built once by sorting instead of 1.5 M single inserts (and 1.5 M FK trigger calls);
 * - sessions at fillfactor 50: every page view with a session rewrites its row, and free space on
 *   the page lets that be a HOT update (no index entry, pruned in place) instead of bloat.
 * Quoted aliases: PostgreSQL folds unquoted names to lower case (userId → userid).
 */
export const CREATE_SCHEMA = `CREATE SCHEMA ${PG_SCHEMA}`;
export const DROP_SCHEMA = `DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`;

export const CREATE_TABLES_FOR_LOAD: readonly string[] = [
  `CREATE TABLE users (
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    bio TEXT NOT NULL,
    joined_at TEXT NOT NULL
  )`,
  `CREATE TABLE photos (
    id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    thumbnail TEXT NOT NULL
  )`,
  `CREATE TABLE sessions (
    id CHAR(32) PRIMARY KEY,
    user_id INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  ) WITH (fillfactor = 50)`,
  `CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  )`,
];

/**
 * FREEZE (allowed because the tables are created in the same transaction): rows are written
 * already frozen and marked visible, so the first reads after the seed do not dirty every page
 * setting hint bits, and autovacuum has no 1.5 M-row freeze to do later.
 */
export const COPY_USERS = 'COPY users (id, name, display_name, bio, joined_at) FROM STDIN WITH (FREEZE)';
export const COPY_PHOTOS = 'COPY photos (id, user_id, title, taken_at, thumbnail) FROM STDIN WITH (FREEZE)';

/** After the load, in this order (the foreign key needs users' primary key). */
export const AFTER_LOAD: readonly string[] = [
  'ALTER TABLE users ADD PRIMARY KEY (id), ADD UNIQUE (name)',
  'ALTER TABLE photos ADD PRIMARY KEY (id)',
  'ALTER TABLE photos ADD FOREIGN KEY (user_id) REFERENCES users (id)',
  `CREATE INDEX ${USER_ID_INDEX} ON photos (user_id)`,
];

export const PG_CREATE_USER_ID_INDEX = `CREATE INDEX IF NOT EXISTS ${USER_ID_INDEX} ON photos (user_id)`;
export const PG_DROP_USER_ID_INDEX = `DROP INDEX IF EXISTS ${USER_ID_INDEX}`;

const USER_COLS = 'id, name, display_name AS "displayName", bio, joined_at AS "joinedAt"';
export const USER_BY_ID = `SELECT ${USER_COLS} FROM users WHERE id = $1`;
export const USER_BY_NAME = `SELECT ${USER_COLS} FROM users WHERE name = $1`;
export const SOME_USERS = `SELECT ${USER_COLS} FROM users ORDER BY id LIMIT $1`;
export const USER_COUNT = 'SELECT count(*)::int AS n FROM users';
/** The page query, as store/schema.ts PHOTOS_OF_USER: ORDER BY id, with or without the index. */
export const PG_PHOTOS_OF_USER =
  'SELECT id, user_id AS "userId", title, taken_at AS "takenAt", thumbnail FROM photos WHERE user_id = $1 ORDER BY id';

/** Present once a seed has committed (the seed is one transaction: all or nothing). */
export const IS_SEEDED = `SELECT to_regclass('${PG_SCHEMA}.meta') IS NOT NULL AS seeded`;
