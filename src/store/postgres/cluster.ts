import { execFile } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { canConnect, startOnPort } from '../../daemons/free-port.js';
import { type Service, startService } from '../../daemons/supervisor.js';
import { FkError, isFkError } from '../../errors.js';
import { findPostgresBinDir, PG_PACKAGE, type PgOsUser, postgresOsUser, wrapAsUser } from './pg-binaries.js';
import {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_SHARED_BUFFERS_MB,
  renderPgHba,
  renderPostgresConf,
} from './pg-config.js';
import { ensureDatabase, READY_TIMEOUT_MS, waitUntilReady } from './pg-ready.js';

/**
 * The project's own PostgreSQL, like its own Redis: a private cluster (initdb once, under
 * ./data/pg by default), started in the foreground under our supervisor on a free loopback port
 * with the settings of pg-config.ts, and stopped by PID with a fast shutdown (SIGINT: running
 * sessions are ended, unlike SIGTERM's "smart" shutdown that waits for every app's pool to
 * disconnect). Seeded once and kept: starting it again reuses the data. When another command of
 * ours already runs it (postmaster.pid names a live process), we attach instead of starting.
 */
export const OWN_DATABASE = 'flickr_killr';
export const OWN_SUPERUSER = 'fk';

export interface OwnPostgresOptions {
  /** The cluster's data directory (PGDATA); created by initdb when absent. */
  dataDir: string;
  log?: (line: string) => void;
  /** A fixed port (a restart where clients expect it); default a free one. */
  port?: number;
  sharedBuffersMb?: number;
  maxConnections?: number;
  /** Directory of initdb and postgres; default the newest /usr/lib/postgresql/N/bin. */
  binDir?: string;
}

export interface OwnPostgres {
  /** postgres://fk@127.0.0.1:PORT/flickr_killr (trust auth on loopback: no password). */
  url: string;
  port: number;
  /** The postmaster we started, or undefined when we attached to one already running. */
  service: Service | undefined;
  /** Fast shutdown by PID, when we started it; a no-op for an attached cluster. */
  stop(): Promise<void>;
}

const run = promisify(execFile);
const STOP_GRACE_MS = 60_000; // the shutdown checkpoint writes what the seed left dirty

export async function startOwnPostgres(o: OwnPostgresOptions): Promise<OwnPostgres> {
  const log = o.log ?? (() => {});
  const osUser = postgresOsUser();
  const binDir = o.binDir ?? findPostgresBinDir(readVersion(o.dataDir));
  if (binDir === undefined) {
    throw new FkError(
      'E_PREREQ_MISSING',
      `PostgreSQL (initdb, postgres) is not installed: apt-get install ${PG_PACKAGE}`,
    );
  }
  if (!existsSync(join(o.dataDir, 'PG_VERSION'))) await initCluster(o.dataDir, binDir, osUser, log);
  const running = await attach(o.dataDir);
  if (running !== undefined) {
    log(`PostgreSQL already running for ${o.dataDir} on port ${running.port}: using it`);
    return running;
  }
  const logFile = join(o.dataDir, 'log', 'postgres.log');
  mkdirSync(dirname(logFile), { recursive: true });
  try {
    const { port, started } = await startOnPort(o.port, async (port) => {
      writeOwned(join(o.dataDir, 'postgresql.conf'), renderPostgresConf(confFor(o, port)), osUser);
      writeOwned(join(o.dataDir, 'pg_hba.conf'), renderPgHba(), osUser);
      const cmd = wrapAsUser(osUser, join(binDir, 'postgres'), ['-D', o.dataDir]);
      return startService({
        role: 'postgres',
        command: cmd.command,
        args: cmd.args,
        cwd: '/',
        logFile,
        readyPort: port,
        readyTimeoutMs: READY_TIMEOUT_MS,
        stopSignal: 'SIGINT',
      });
    });
    const own = ownUrls(port);
    try {
      await waitUntilReady(own.admin, started);
      await ensureDatabase(own.admin, OWN_DATABASE);
    } catch (e) {
      await started.stop(STOP_GRACE_MS);
      throw e;
    }
    log(`PostgreSQL listening on 127.0.0.1:${port} (own cluster ${o.dataDir}, pid ${started.pid})`);
    return { url: own.app, port, service: started, stop: () => started.stop(STOP_GRACE_MS) };
  } catch (e) {
    // Another command of ours started it at the same moment (postmaster.pid lock): use that one.
    const raced = isFkError(e) && e.code === 'E_PROCESS_EXITED' ? await attach(o.dataDir) : undefined;
    if (raced !== undefined) return raced;
    throw e;
  }
}

function confFor(o: OwnPostgresOptions, port: number) {
  // A unix socket path longer than sun_path (108 bytes) makes postgres refuse to start: TCP only then.
  const socketDir = `${o.dataDir}/.s.PGSQL.${port}.lock`.length < 100 ? o.dataDir : '';
  return {
    port,
    socketDir,
    sharedBuffersMb: o.sharedBuffersMb ?? DEFAULT_SHARED_BUFFERS_MB,
    maxConnections: o.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
  };
}

function ownUrls(port: number): { admin: string; app: string } {
  const base = `postgres://${OWN_SUPERUSER}@127.0.0.1:${port}`;
  return { admin: `${base}/postgres`, app: `${base}/${OWN_DATABASE}` };
}

function readVersion(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function initCluster(
  dataDir: string,
  binDir: string,
  osUser: PgOsUser | undefined,
  log: (l: string) => void,
) {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new FkError(
      'E_USAGE',
      `${dataDir} exists but is not a PostgreSQL data directory: move it away first`,
    );
  }
  // Parents with the default mode (a recursive mkdir would give them 0700 too, shutting the
  // postgres user out), the data directory itself 0700 as PostgreSQL requires.
  mkdirSync(dirname(dataDir), { recursive: true });
  if (!existsSync(dataDir)) mkdirSync(dataDir, { mode: 0o700 });
  if (osUser !== undefined) {
    chownSync(dataDir, osUser.uid, osUser.gid);
    assertReachable(dataDir, osUser);
  }
  log(`creating a PostgreSQL cluster in ${dataDir} (initdb)`);
  // C locale: text compares byte by byte, as SQLite's BINARY collation does, and faster.
  const cmd = wrapAsUser(osUser, join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    OWN_SUPERUSER,
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-instructions',
  ]);
  try {
    await run(cmd.command, cmd.args, { cwd: '/', timeout: 120_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const why = (err.stderr ?? err.message).trim().split('\n').slice(-3).join(' | ');
    throw new FkError('E_PROCESS_EXITED', `initdb of ${dataDir} failed: ${why}`, { cause: e });
  }
}

/** PostgreSQL refuses to run as root, so as root the `postgres` user must be able to enter every parent. */
function assertReachable(dataDir: string, u: PgOsUser): void {
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    const st = statSync(dir);
    const ok =
      (st.mode & 0o001) !== 0 ||
      (st.uid === u.uid && (st.mode & 0o100) !== 0) ||
      (st.gid === u.gid && (st.mode & 0o010) !== 0);
    if (!ok) {
      throw new FkError(
        'E_USAGE',
        `PostgreSQL runs as the ${u.name} user, which cannot enter ${dir} (mode ${(st.mode & 0o777).toString(8)}): ` +
          `chmod o+x ${dir}, or keep the data directory elsewhere`,
        {
          hint: 'PostgreSQL runs as the postgres user: every directory above its data directory must let it pass (x).',
        },
      );
    }
    if (dir === dirname(dir)) return;
  }
}

function writeOwned(path: string, text: string, osUser: PgOsUser | undefined): void {
  writeFileSync(path, text);
  if (osUser !== undefined) chownSync(path, osUser.uid, osUser.gid);
}

/** postmaster.pid (PostgreSQL's lock file): line 1 the PID, line 4 the port, line 8 the status. */
async function attach(dataDir: string): Promise<OwnPostgres | undefined> {
  let lines: string[];
  try {
    lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !Number.isSafeInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined; // stale: postgres removes it
  }
  // A live PID that does not listen is not our postmaster (PID reuse after a crash): start anew,
  // and postgres itself then judges the lock file.
  if (!(await canConnect(port, '127.0.0.1', 1000))) return undefined;
  const own = ownUrls(port);
  await waitUntilReady(own.admin, undefined);
  await ensureDatabase(own.admin, OWN_DATABASE);
  return { url: own.app, port, service: undefined, stop: async () => {} };
}
