import type { Prerequisite } from '../daemons/prereq.js';
import { LAB_PREREQUISITES } from '../lab/prereq.js';
import { STAGES } from '../stages/registry.js';

/**
 * What each part of the project needs installed, by Debian package: `setup` installs from this,
 * `npm start` and `npm test` run it first, and .ci/run calls it instead of keeping its own list.
 * The ladder's part is asked of the stages themselves, so a new stage's daemon is covered here
 * the day it is added to the registry.
 */
export type Purpose = 'ladder' | 'postgres' | 'lab' | 'tests';
export const PURPOSES: readonly Purpose[] = ['ladder', 'postgres', 'lab', 'tests'];

/** The real servers, with their default options: lighttpd for cgi (the talk ran CGI under a web server). */
function ladderNeeds(): Prerequisite[] {
  return STAGES.filter((s) => s.ladder !== false).flatMap((s) =>
    s.prerequisites({ db: { kind: 'sqlite', path: '' }, cgiHost: 'lighttpd' }),
  );
}

/** PostgreSQL's server binaries live off PATH on Debian, one directory per major version. */
export const POSTGRES_PREREQ: Prerequisite = {
  binary: 'initdb',
  debianPackage: 'postgresql',
  dirs: ['/usr/lib/postgresql/*/bin'],
};

/**
 * The lab's hosts (what `lab up` runs: network namespaces, an sshd each), and what is run on them:
 * a process manager for the fleet's daemons, and rsync to ship releases. Lab hosts share this
 * machine's binaries ("the image every host was provisioned with"), so stage fleet's daemons —
 * nginx, memcached, Redis, PostgreSQL — must be installed here too.
 */
const LAB_NEEDS: Prerequisite[] = [
  ...LAB_PREREQUISITES,
  { binary: 'supervisord', debianPackage: 'supervisor' },
  { binary: 'rsync', debianPackage: 'rsync' },
  { binary: 'nginx', debianPackage: 'nginx' },
  { binary: 'memcached', debianPackage: 'memcached' },
  { binary: 'redis-server', debianPackage: 'redis-server' },
];

/** Tests also look at the HTML report in a real browser, and make self-signed certificates for HTTPS. */
const TEST_ONLY: Prerequisite[] = [
  { binary: 'chromium', debianPackage: 'chromium' },
  { binary: 'openssl', debianPackage: 'openssl' },
];

export function prerequisitesFor(purposes: readonly Purpose[]): Prerequisite[] {
  const all: Prerequisite[] = [];
  const want = new Set(purposes.includes('tests') ? PURPOSES : purposes);
  if (want.has('ladder')) all.push(...ladderNeeds());
  if (want.has('postgres')) all.push(POSTGRES_PREREQ);
  if (want.has('lab')) all.push(...LAB_NEEDS, POSTGRES_PREREQ);
  if (want.has('tests')) all.push(...TEST_ONLY);
  // One entry per package, in the order first needed.
  return all.filter((p, i) => all.findIndex((q) => q.debianPackage === p.debianPackage) === i);
}
