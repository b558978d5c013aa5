import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { FkError } from '../errors.js';

export interface Prerequisite {
  /** Executable looked up on PATH (plus /usr/sbin, /sbin), e.g. 'nginx'. */
  binary: string;
  /** Debian package that provides it, e.g. 'nginx'. */
  debianPackage: string;
  /**
   * Directories to look in before PATH, for binaries Debian keeps off it; a '*' segment matches
   * any one directory, newest name first (PostgreSQL: /usr/lib/postgresql/<major>/bin).
   */
  dirs?: string[];
}

// Daemons live in /usr/sbin on Debian, which a non-root PATH often lacks.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** A directory pattern (a '*' segment: any one directory) → the existing directories it names, highest version first. */
function expandDir(pattern: string): string[] {
  const star = pattern.indexOf('*');
  if (star < 0) return [pattern];
  const parent = dirname(pattern.slice(0, star + 1));
  const rest = pattern.slice(star + 1);
  try {
    return readdirSync(parent)
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
      .flatMap((name) => expandDir(join(parent, name) + rest));
  } catch {
    return [];
  }
}

export function findBinary(
  name: string,
  pathEnv = process.env.PATH ?? '',
  extraDirs: string[] = [],
): string | undefined {
  const dirs = [...extraDirs.flatMap(expandDir), ...pathEnv.split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** The missing prerequisites, each with the exact command that installs it. */
export function missingPrerequisites(reqs: Prerequisite[]): Array<Prerequisite & { install: string }> {
  return reqs
    .filter((r) => findBinary(r.binary, undefined, r.dirs) === undefined)
    .map((r) => ({ ...r, install: `apt-get install ${r.debianPackage}` }));
}

/** E_PREREQ_MISSING naming every missing daemon of `what` and the commands that install them. */
export function assertPrerequisites(what: string, reqs: Prerequisite[]): void {
  const missing = missingPrerequisites(reqs);
  if (missing.length === 0) return;
  throw new FkError(
    'E_PREREQ_MISSING',
    `${what} needs ${missing.map((m) => m.binary).join(', ')}: ${missing.map((m) => m.install).join('; ')}`,
  );
}

/** Path of the binary, or an E_PREREQ_MISSING error naming the package (never a stack trace). */
export function requireBinary(req: Prerequisite): string {
  const found = findBinary(req.binary, undefined, req.dirs);
  if (found === undefined) {
    throw new FkError(
      'E_PREREQ_MISSING',
      `${req.binary} is not installed: apt-get install ${req.debianPackage}`,
      {
        hint: `Install it with: apt-get install ${req.debianPackage}`,
      },
    );
  }
  return found;
}
