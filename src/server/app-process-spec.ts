import { parseArgs } from 'node:util';
import { FkError } from '../errors.js';

/**
 * What one app process is: the contract between whoever starts app processes (stages on this
 * machine; stage fleet and the deploy tool on other hosts, through a process manager) and the
 * `app-server` command that runs them. One set of defaults, one argv codec: `toArgv` builds the
 * command line, `fromArgv` reads it back, and `fromArgv(toArgv(s))` equals `s` (unit-tested), so
 * a flag can never mean one thing to the stage and another to the process. A database URL that
 * holds a password never goes into argv (`ps` shows argv to every user): toEnv(spec) carries it
 * as DATABASE_URL, and fromArgv reads it from there when --db is absent.
 */
export type SessionBackend = 'db' | 'redis' | 'memcached';
export const SESSION_BACKENDS: readonly SessionBackend[] = ['db', 'redis', 'memcached'];

export interface AppProcessSpec {
  /** Listen address; a lab or real host listens on its own address, stages on loopback. */
  host: string;
  /** Listen port; 0 lets the OS choose (tests). */
  port: number;
  /** The database: a SQLite file path, or a postgres:// URL. */
  db: string;
  /** Static files; default: the static root next to a SQLite file. Required with a database URL. */
  staticRoot?: string;
  /** Where sessions live: the database (the talk's 0.2), Redis or memcached (shared nothing). */
  sessions: SessionBackend;
  redisUrl?: string;
  /** memcached servers (host:port): for memcached sessions and/or filling static files. */
  memcached: string[];
  /** Insert each static file into memcached as it is served (the talk's 0.4 CherryPy "tool"). */
  fillMemcached: boolean;
  /** 0: one plain process. N > 0: a node:cluster primary forking N workers on the same port. */
  cluster: number;
  /**
   * At most this many requests in flight in the process (each cluster worker); past it a fast 503
   * with Retry-After (`--protect`, docs/capacity.md). Absent: no limit.
   */
  maxInFlight?: number;
}

export const APP_PROCESS_DEFAULTS = {
  host: '127.0.0.1',
  sessions: 'db',
  memcached: [],
  fillMemcached: false,
  cluster: 0,
} as const satisfies Partial<AppProcessSpec>;

export type AppProcessInput = Pick<AppProcessSpec, 'port' | 'db'> &
  Partial<Omit<AppProcessSpec, 'port' | 'db'>>;

/** A complete spec from the fields that differ from the defaults. */
export function appProcessSpec(input: AppProcessInput): AppProcessSpec {
  return {
    ...APP_PROCESS_DEFAULTS,
    ...input,
    memcached: [...(input.memcached ?? APP_PROCESS_DEFAULTS.memcached)],
  };
}

const PG_URL_RE = /^postgres(?:ql)?:\/\//i;

/** A postgres:// URL (else a SQLite path). */
export const isDatabaseUrl = (db: string): boolean => PG_URL_RE.test(db);

/** A URL with a password in its user info or its query string, which must stay out of argv. */
export function hasSecret(db: string): boolean {
  if (!isDatabaseUrl(db)) return false;
  try {
    const u = new URL(db);
    return u.password !== '' || [...u.searchParams.keys()].some((k) => /pass/i.test(k));
  } catch {
    return true; // unparsable: assume the worst
  }
}

/** The arguments after `node dist/cli/main.js`: the command name, then one flag per set field. */
export function toArgv(spec: AppProcessSpec): string[] {
  const a = ['app-server', '--host', spec.host, '--port', String(spec.port)];
  if (!hasSecret(spec.db)) a.push('--db', spec.db);
  if (spec.staticRoot !== undefined) a.push('--static', spec.staticRoot);
  a.push('--sessions', spec.sessions);
  if (spec.redisUrl !== undefined) a.push('--redis', spec.redisUrl);
  if (spec.memcached.length > 0) a.push('--memcached', spec.memcached.join(','));
  if (spec.fillMemcached) a.push('--fill-memcached');
  if (spec.cluster > 0) a.push('--cluster', String(spec.cluster));
  if (spec.maxInFlight !== undefined) a.push('--max-in-flight', String(spec.maxInFlight));
  return a;
}

/** The environment the process needs beside its argv: a database URL with a password, if any. */
export function toEnv(spec: AppProcessSpec): Record<string, string> {
  return hasSecret(spec.db) ? { DATABASE_URL: spec.db } : {};
}

const FLAGS = {
  host: { type: 'string' },
  port: { type: 'string' },
  db: { type: 'string' },
  static: { type: 'string' },
  sessions: { type: 'string' },
  redis: { type: 'string' },
  memcached: { type: 'string' },
  'fill-memcached': { type: 'boolean' },
  cluster: { type: 'string' },
  'max-in-flight': { type: 'string' },
} as const;

/**
 * The spec from `app-server`'s arguments (without the command name). Every problem is reported
 * at once (E_USAGE), including combinations that could only fail later: Redis sessions without a
 * Redis, memcached sessions or filling without a memcached.
 */
export function fromArgv(args: string[], env: Record<string, string | undefined> = {}): AppProcessSpec {
  let values: ReturnType<typeof parseArgs<{ options: typeof FLAGS; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({ args, options: FLAGS, strict: true }));
  } catch (e) {
    throw new FkError('E_USAGE', (e as Error).message);
  }
  const problems: string[] = [];
  const int = (v: string | undefined, name: string, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (Number.isNaN(n) || n < min || n > max) {
      problems.push(`--${name} must be a whole number from ${min} to ${max}, got '${v}'`);
      return undefined;
    }
    return n;
  };
  const port = int(values.port, 'port', 0, 65535);
  if (values.port === undefined) problems.push('--port is required');
  const db = values.db ?? env.DATABASE_URL;
  if (db === undefined || db === '') problems.push('--db is required (or DATABASE_URL)');
  else if (isDatabaseUrl(db) && values.static === undefined)
    problems.push('--db with a database URL needs --static DIR (a database server holds no files)');
  const cluster = int(values.cluster, 'cluster', 1, 256) ?? 0;
  const maxInFlight = int(values['max-in-flight'], 'max-in-flight', 1, 100_000);
  const sessions = values.sessions ?? APP_PROCESS_DEFAULTS.sessions;
  if (!(SESSION_BACKENDS as readonly string[]).includes(sessions))
    problems.push(`--sessions must be ${SESSION_BACKENDS.join(', ')}, got '${sessions}'`);
  const memcached = (values.memcached ?? '').split(',').filter((s) => s !== '');
  for (const m of memcached)
    if (!/^[^\s:]+:\d{1,5}$/.test(m)) problems.push(`--memcached takes HOST:PORT[,HOST:PORT…], got '${m}'`);
  if (sessions === 'redis' && values.redis === undefined) problems.push('--sessions redis needs --redis URL');
  const fillMemcached = values['fill-memcached'] === true;
  if ((sessions === 'memcached' || fillMemcached) && memcached.length === 0)
    problems.push(
      `${fillMemcached ? '--fill-memcached' : '--sessions memcached'} needs --memcached HOST:PORT`,
    );
  if (problems.length > 0) throw new FkError('E_USAGE', `app-server: ${problems.join('; ')}`);
  return appProcessSpec({
    host: values.host ?? APP_PROCESS_DEFAULTS.host,
    port: port!,
    db: db!,
    ...(values.static === undefined ? {} : { staticRoot: values.static }),
    sessions: sessions as SessionBackend,
    ...(values.redis === undefined ? {} : { redisUrl: values.redis }),
    memcached,
    fillMemcached,
    cluster,
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
  });
}
