import type { Prerequisite } from '../../daemons/prereq.js';
import { FkError } from '../../errors.js';
import type { RemoteHost } from '../../remote/remote-host.js';
import { defineStage, type StageOptions } from '../stage.js';
import { processesPerHost, usedHosts } from './plan.js';
import { type FleetStartOptions, startFleet } from './start.js';

/**
 * The talk's topology across machines (0.3: "we'll need to get a reverse proxy involved anyway
 * when we want to involve different physical machines"): nginx on an lb host in front of every
 * app process of every app host, memcached on cache hosts, Redis on a sessions host, PostgreSQL
 * on a db host — shared nothing but the network. Driven over ssh only, each host under its own
 * supervisord, so the same code runs a lab (`flickr-killr lab up`) and real machines
 * (`--hosts FILE`). Out of the ladder's runs: it needs hosts, which the ladder does not make yet.
 */

/** On this machine: ssh (and rsync for shipping releases; scp is the fallback). Each host's own binaries are checked on the host. */
const LOCAL: Prerequisite[] = [
  { binary: 'ssh', debianPackage: 'openssh-client' },
  { binary: 'rsync', debianPackage: 'rsync' },
];

/** App processes the fleet will run, from the host list alone (a real machine without `cpu` counts 1 until probed). */
export function fleetDbClients(hosts: readonly RemoteHost[], workers?: number): number {
  return usedHosts(hosts)
    .filter((h) => h.roles.includes('app'))
    .reduce((n, h) => n + processesPerHost(h, undefined, workers), 0);
}

/** StageOptions → the fleet's own options: sessions are always Redis on the sessions host. */
export function fleetOptions(opts: StageOptions & { runDir: string }): FleetStartOptions {
  if (opts.hosts === undefined || opts.hosts.length === 0)
    throw new FkError(
      'E_USAGE',
      'stage fleet needs hosts: --lab [NAME] (after `flickr-killr lab up`) or --hosts FILE',
    );
  if (opts.sessions !== undefined && opts.sessions !== 'redis')
    throw new FkError(
      'E_USAGE',
      `stage fleet keeps sessions in Redis on its sessions host, not --sessions ${opts.sessions}`,
    );
  if (opts.redisUrl !== undefined)
    throw new FkError('E_USAGE', 'stage fleet runs its own Redis on its sessions host: drop --redis');
  const db = opts.db;
  if (db.kind === 'postgres' && db.own)
    throw new FkError(
      'E_USAGE',
      "--db postgres is a cluster on this machine's loopback, out of the hosts' reach",
      {
        hint: 'Leave --db out (PostgreSQL then runs on the db host), or give a postgres:// URL the app hosts can reach.',
      },
    );
  return {
    hosts: opts.hosts,
    runDir: opts.runDir,
    ...(opts.env === undefined ? {} : { env: opts.env }),
    ...(opts.port === undefined || opts.port === 0 ? {} : { port: opts.port }),
    ...(opts.workers === undefined ? {} : { workersPerHost: opts.workers }),
    ...(db.kind === 'postgres' ? { externalDb: { url: db.url, staticRoot: db.staticRoot } } : {}),
    ...(opts.log === undefined ? {} : { log: opts.log }),
    ...(opts.protect === undefined ? {} : { protect: opts.protect }),
  };
}

export const stage = defineStage({
  name: 'fleet',
  title: 'the whole topology across hosts: lb, app hosts, cache, sessions, db',
  summary:
    'nginx on the lb host balances every app process of every app host (one per core) and serves ' +
    '/static from memcached on the cache hosts (the app fills it); sessions in Redis on the sessions ' +
    'host, data in PostgreSQL on the db host. Each host is driven over ssh and runs its daemons under ' +
    'its own supervisord: a lab (--lab) or real machines (--hosts FILE).',
  baseline: 'memcached',
  staticFrom: 'cache',
  ladder: false,
  database: 'own',
  prerequisites: () => LOCAL,
  dbClients: (opts) => fleetDbClients(opts.hosts ?? [], opts.workers),
  start: (opts) => startFleet(fleetOptions(opts)),
});
