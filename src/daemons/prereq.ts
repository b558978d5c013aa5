import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { FkError } from '../errors.js';

export interface Prerequisite {
  /** Executable looked up on PATH (plus /usr/sbin, /sbin), e.g. 'nginx'. */
  binary: string;
  /** Debian package that provides it, e.g. 'nginx'. */
  debianPackage: string;
}

// Daemons live in /usr/sbin on Debian, which a non-root PATH often lacks.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export function findBinary(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const dirs = [...pathEnv.split(delimiter).filter(Boolean), ...EXTRA_DIRS];
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
    .filter((r) => findBinary(r.binary) === undefined)
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
  const found = findBinary(req.binary);
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
