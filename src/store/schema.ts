/**
 * The demo's schema. Plain SQL that PostgreSQL also accepts (INTEGER, TEXT, BIGINT, CHAR(n)),
 * so a postgres backend can reuse it. The photos.user_id index is the talk's "Don't forget to
 * index" slide: without it every user page scans all ~1M photos (the talk measured ~22× slower).
 */
export const USER_ID_INDEX = 'photos_user_id';

export const CREATE_TABLES: readonly string[] = [
  `CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    bio TEXT NOT NULL,
    joined_at TEXT NOT NULL
  )`,
  `CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    thumbnail TEXT NOT NULL
  )`,
  `CREATE TABLE sessions (
    id CHAR(32) PRIMARY KEY,
    user_id INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  )`,
  `CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  )`,
];

export const CREATE_USER_ID_INDEX = `CREATE INDEX IF NOT EXISTS ${USER_ID_INDEX} ON photos (user_id)`;
export const DROP_USER_ID_INDEX = `DROP INDEX IF EXISTS ${USER_ID_INDEX}`;

/**
 * The page query. ORDER BY id keeps output stable whether or not the index is used. Columns are
 * aliased to the Photo shape so rows need no per-row copy (the page view is the hot path).
 */
export const PHOTOS_OF_USER =
  'SELECT id, user_id AS userId, title, taken_at AS takenAt, thumbnail FROM photos WHERE user_id = ? ORDER BY id';
