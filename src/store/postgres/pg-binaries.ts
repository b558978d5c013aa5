import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findBinary } from '../../daemons/prereq.js';
import { FkError } from '../../errors.js';

/**
 * Where the server binaries are and whom they run as. Debian keeps initdb and postgres in
 * /usr/lib/postgresql/N/bin, off the PATH (only client wrappers are in /usr/bin).
 */
export const PG_PACKAGE = 'postgresql';
export const PG_PREREQ = { binary: 'postgres', debianPackage: PG_PACKAGE } as const;
const DEBIAN_ROOT = '/usr/lib/postgresql';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The bin directory holding initdb and postgres: under /usr/lib/postgresql, the major version a
 * data directory was made with (its PG_VERSION) when installed, else the newest; then the PATH,
 * for other layouts.
 */
export function findPostgresBinDir(version?: string, root = DEBIAN_ROOT): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    versions = [];
  }
  versions.sort((a, b) => Number(b) - Number(a));
  if (version !== undefined && versions.includes(version)) versions = [version];
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (executable(join(bin, 'postgres')) && executable(join(bin, 'initdb'))) return bin;
  }
  const onPath = findBinary('postgres');
  return onPath !== undefined && executable(join(dirname(onPath), 'initdb')) ? dirname(onPath) : undefined;
}

export interface PgOsUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root ("root" execution of the PostgreSQL server is not permitted):
 * as root we run it as the `postgres` user the Debian package creates. Undefined when not root.
 */
export function postgresOsUser(passwd = '/etc/passwd', uid = process.getuid?.()): PgOsUser | undefined {
  if (uid !== 0) return undefined;
  let text = '';
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    // no passwd file: treated as no such user
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === 'postgres' && f.length >= 4)
      return { name: 'postgres', uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new FkError(
    'E_PREREQ_MISSING',
    `PostgreSQL cannot run as root and there is no postgres user: apt-get install ${PG_PACKAGE}`,
  );
}

/**
 * argv that runs `command` as that user. setpriv (util-linux) changes ids and execs, so the PID
 * we hold is the postmaster's own and our stop signal (SIGINT: fast shutdown) reaches it directly;
 * runuser and su fork and stay in between as the parent that would receive it.
 */
export function wrapAsUser(
  user: PgOsUser | undefined,
  command: string,
  args: string[],
): { command: string; args: string[] } {
  if (user === undefined) return { command, args };
  const setpriv = findBinary('setpriv');
  if (setpriv === undefined) {
    throw new FkError(
      'E_PREREQ_MISSING',
      'setpriv is not installed (to run PostgreSQL as postgres): apt-get install util-linux',
    );
  }
  return {
    command: setpriv,
    args: ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', '--', command, ...args],
  };
}
