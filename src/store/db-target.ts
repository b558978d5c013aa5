import { dirname, join, resolve } from 'node:path';
import { FkError } from '../errors.js';
import { DEFAULT_DB_PATH, staticRootFor as sqliteStaticRoot } from '../paths.js';

/**
 * Which database a command or an app process uses, from `--db` (or `DATABASE_URL` when `--db` is
 * absent): a file path is SQLite, as before; a postgres:// or postgresql:// URL is a server the
 * user runs (we never start or stop it); the bare word `postgres` is the project's own cluster,
 * created and started by us under ./data/pg (store/postgres/cluster.ts). Pure: the caller passes
 * env and cwd (only cli/ reads the process).
 */
export interface SqliteTarget {
  kind: 'sqlite';
  /** Absolute path of the database file. */
  path: string;
}

export interface PostgresTarget {
  kind: 'postgres';
  /** The connection URL, password included: never log it, use redact() / describeTarget(). */
  url: string;
  /** Thumbnails and site files: a database server holds no files (default <cwd>/data/static). */
  staticRoot: string;
  /** True when this is the project's own cluster (started by startOwnPostgres). */
  own: boolean;
}

export interface OwnPostgresTarget {
  kind: 'own-postgres';
  /** Absolute path of the cluster's data directory (PGDATA), default <cwd>/data/pg. */
  dataDir: string;
}

export type DbTarget = SqliteTarget | PostgresTarget | OwnPostgresTarget;
/** A target one can connect to: the own cluster becomes a PostgresTarget once it runs. */
export type OpenTarget = SqliteTarget | PostgresTarget;

export const OWN_POSTGRES_WORD = 'postgres';
export const DEFAULT_PG_DATA_DIR = join('data', 'pg');
const PG_URL_RE = /^postgres(?:ql)?:\/\//i;
const OTHER_SCHEME_RE = /^[a-z][a-z0-9+.-]*:\/\//i;

export interface ParseTargetOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  /** The SQLite file used when neither --db nor DATABASE_URL is given. */
  defaultPath?: string;
  /** Where `--db postgres` keeps its cluster (relative to cwd). */
  ownDataDir?: string;
}

export function parseDbTarget(value: string | undefined, o: ParseTargetOptions): DbTarget {
  const fromEnv = o.env.DATABASE_URL;
  const raw = value ?? (fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : undefined);
  const source = value !== undefined ? '--db' : 'DATABASE_URL';
  if (raw === undefined) return { kind: 'sqlite', path: resolve(o.cwd, o.defaultPath ?? DEFAULT_DB_PATH) };
  const text = raw.trim();
  if (text === '')
    throw new FkError('E_USAGE', `${source} is empty: give a file path, a postgres:// URL or 'postgres'`);
  if (text === OWN_POSTGRES_WORD) {
    return { kind: 'own-postgres', dataDir: resolve(o.cwd, o.ownDataDir ?? DEFAULT_PG_DATA_DIR) };
  }
  if (PG_URL_RE.test(text)) {
    validatePgUrl(text, source);
    return { kind: 'postgres', url: text, staticRoot: resolve(o.cwd, 'data', 'static'), own: false };
  }
  if (OTHER_SCHEME_RE.test(text)) {
    throw new FkError(
      'E_USAGE',
      `${source} ${redact(text)}: only postgres:// (or postgresql://) URLs are databases; a file path is SQLite`,
    );
  }
  return { kind: 'sqlite', path: resolve(o.cwd, text) };
}

function validatePgUrl(text: string, source: string): void {
  const bad = (why: string) =>
    new FkError('E_USAGE', `${source} ${redact(text)} is not a usable PostgreSQL URL: ${why}`);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw bad(
      'it does not parse (write postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, password %-encoded)',
    );
  }
  if (u.hostname.includes(',')) throw bad('several hosts in one URL are not supported');
  if (u.hostname === '' && !u.searchParams.has('host')) throw bad('it names no host');
  if (u.pathname.length > 1 && u.pathname.slice(1).includes('/')) throw bad('the database name contains "/"');
  if (u.port !== '' && Number(u.port) === 0) throw bad('port 0');
  try {
    decodeURIComponent(u.username);
    decodeURIComponent(u.password);
    decodeURIComponent(u.pathname);
  } catch {
    throw bad('a broken %-escape');
  }
}

const SECRET_PARAM_RE = /pass/i;

/**
 * The URL without any password: the user-info password and any query parameter whose name holds
 * "pass" (?password=, ?sslpassword=) are dropped. Works on text that is not a valid URL too, since
 * that is exactly what an error message about a bad URL has to show.
 */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    for (const k of [...u.searchParams.keys()]) if (SECRET_PARAM_RE.test(k)) u.searchParams.delete(k);
    // URL keeps a bare '?' when the last parameter goes.
    return u.toString().replace(/\?$/, '');
  } catch {
    return url
      .replace(/^([^:/?#]*:\/\/[^:@/?#]*):.*@/, '$1@')
      .replace(/([?&])[^=&#]*pass[^=&#]*=[^&#]*&?/gi, '$1')
      .replace(/[?&]$/, '');
  }
}

/** `text` with the URL's password removed wherever it appears (raw or %-decoded): for driver messages. */
export function scrubSecrets(text: string, url: string): string {
  const secrets = new Set<string>();
  try {
    const u = new URL(url);
    if (u.password !== '') {
      secrets.add(u.password);
      secrets.add(safeDecode(u.password));
    }
    for (const [k, v] of u.searchParams) if (SECRET_PARAM_RE.test(k) && v !== '') secrets.add(v);
  } catch {
    // an unparsable URL never reached a driver
  }
  let out = text.split(url).join(redact(url));
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** One line naming the database for logs and reports, never with a password. */
export function describeTarget(t: DbTarget): string {
  if (t.kind === 'sqlite') return `SQLite ${t.path}`;
  if (t.kind === 'own-postgres') return `PostgreSQL (own cluster in ${t.dataDir})`;
  return `PostgreSQL ${redact(t.url)}${t.own ? ' (own cluster)' : ''}`;
}

/**
 * Where `seed` writes the thumbnails and site files, and app processes serve them from: next to a
 * SQLite file (as before), beside the own cluster's data dir (data/static), or data/static under
 * the working directory for a server the user runs.
 */
export function staticRootFor(t: DbTarget): string {
  if (t.kind === 'sqlite') return sqliteStaticRoot(t.path);
  if (t.kind === 'own-postgres') return join(dirname(t.dataDir), 'static');
  return t.staticRoot;
}
