import { FkError } from '../../errors.js';
import type { Role } from '../../lab/host-spec.js';
import type { RemoteHost } from '../../remote/remote-host.js';
import { type AppProcessSpec, appProcessSpec } from '../../server/app-process-spec.js';
import { OWN_DATABASE, OWN_SUPERUSER } from '../../store/postgres/cluster.js';
import type { UpstreamTuning } from '../common/nginx-conf.js';
import { renderAppServerLines, renderProtectLimit } from '../common/nginx-conf.js';
import type { ProtectLimits } from '../stage.js';
import { dbClients, renderDbPgHba, renderDbPostgresConf } from './db-conf.js';
import { type HostFacts, missingOnHosts } from './host-facts.js';
import { appServersPath, FLEET_UPSTREAM_TUNING, protectLimitPath, renderLbConf } from './lb-conf.js';
import { type FleetPaths, fleetPaths } from './paths.js';
import {
  appProgram,
  memcachedProgram,
  nginxProgram,
  PHASES,
  type Phase,
  type ProgramPlan,
  postgresProgram,
  redisProgram,
} from './programs.js';
import {
  programFilePath,
  programsDir,
  renderProgramFile,
  renderSupervisordConf,
} from './supervisord-conf.js';

/**
 * The whole fleet — which host runs what, on which port, with which argv and config — as ONE pure
 * function of the host list, what each host is (HostFacts, probed over ssh) and the options.
 * Tested by equality; start.ts executes it. The same plan serves a lab and real machines.
 */
export const FLEET_PORTS = { lb: 8080, app: 9001, memcached: 11211, redis: 6379, postgres: 5432 } as const;

export interface FleetPlanOptions {
  /** The lb's port (default 8080). */
  port?: number;
  /** App processes per app host (default: one per core of its quota, at least 1). */
  workersPerHost?: number;
  /** Use only the first N app hosts of the list (the capacity command grows the fleet). */
  appHosts?: number;
  /** A PostgreSQL server the user runs (--db URL): no db host is used or needed. */
  externalDbUrl?: string;
  /** The artifact the app hosts run (deploy/artifact.ts). */
  releaseId: string;
  /** nginx on the lb writes an access log with the upstreams each request tried (tests). */
  accessLog?: boolean;
  tuning?: UpstreamTuning;
  /** --protect: each app process and the lb bound requests in flight (as the local stages do). */
  protect?: ProtectLimits;
}

export interface FileWrite {
  path: string;
  content: string;
  mode: number;
  /** chown to this user (the db host's PostgreSQL files); only when we are root there. */
  owner?: string;
}

export interface DirMake {
  path: string;
  mode: number;
  owner?: string;
}

export interface HostPlan {
  name: string;
  address: string;
  roles: Role[];
  root: boolean;
  paths: FleetPaths;
  dirs: DirMake[];
  files: FileWrite[];
  programs: ProgramPlan[];
  /** The db host's first start: initdb into an empty data directory (argv, run as postgres). */
  initdb?: string[];
  /** Absolute supervisord / supervisorctl on this host. */
  supervisord: string;
  supervisorctl: string;
}

/** The phase a host starts in (its supervisord is started then) and the last one it has programs in. */
export function hostPhases(h: Pick<HostPlan, 'programs'>): { first: Phase; last: Phase } {
  const has = PHASES.filter((ph) => h.programs.some((p) => p.phase === ph));
  return { first: has[0] ?? 'backend', last: has.at(-1) ?? 'backend' };
}

export interface FleetPlan {
  hosts: HostPlan[];
  /** http://<lb address>:<port> */
  url: string;
  lbHost: string;
  /** What every app process opens; a URL of the db host (trust auth) or the user's server. */
  databaseUrl: string;
  /** The db host's admin URL (database `postgres`), to create flickr_killr; absent for a user's server. */
  adminUrl?: string;
  dbHost?: string;
  sessionsUrl: string;
  cacheServers: string[];
  /** Every app process, host:port, in the order nginx lists them. */
  appServers: string[];
  appHosts: string[];
  releaseDir: string;
}

/**
 * The hosts the fleet runs something on: with appHosts N the app hosts past the N-th are left
 * alone (unless they have another role), and so is a db host when --db names a server.
 */
export function usedHosts(
  hosts: readonly RemoteHost[],
  o: { appHosts?: number; externalDb?: boolean } = {},
): RemoteHost[] {
  const apps = hosts.filter((h) => h.roles.includes('app')).slice(0, o.appHosts ?? Number.MAX_SAFE_INTEGER);
  return hosts.filter((h) =>
    h.roles.some((r) => (r === 'app' ? apps.includes(h) : r === 'db' ? o.externalDb !== true : true)),
  );
}

/** What is wrong with the host list for a fleet, every problem at once. */
export function fleetHostProblems(
  hosts: readonly RemoteHost[],
  o: { externalDb: boolean; appHosts?: number },
): string[] {
  const count = (r: Role) => hosts.filter((h) => h.roles.includes(r)).length;
  const problems: string[] = [];
  const one = (r: Role, what: string) => {
    const n = count(r);
    if (n !== 1) problems.push(`the fleet needs exactly one ${r} host (${what}), the list has ${n}`);
  };
  one('lb', 'nginx, the front door');
  one('sessions', 'Redis');
  if (!o.externalDb) one('db', 'PostgreSQL; or give --db postgres://… of a server you run');
  if (count('app') === 0) problems.push('the fleet needs at least one app host');
  if (count('cache') === 0) problems.push('the fleet needs at least one cache host (memcached)');
  if (o.appHosts !== undefined && o.appHosts > count('app'))
    problems.push(`${o.appHosts} app hosts asked for, the list has ${count('app')}`);
  return problems;
}

/** One app process per core of the host's quota (ceil), at least 1; a real machine's size if given, else its cores. */
export function processesPerHost(host: RemoteHost, facts: HostFacts | undefined, workers?: number): number {
  if (workers !== undefined) return workers;
  return Math.max(1, Math.ceil(host.cpu ?? facts?.cores ?? 1));
}

const MB = 1024 * 1024;

/**
 * The spec of one app process of the fleet on app host `h`: the database, Redis sessions and the
 * memcached ring of the fleet, static files from the host's own root (filled into memcached, as
 * stage memcached does). planFleet and the deploy tool (a release's processes) both start from it.
 */
export function fleetAppSpec(
  h: { address: string; staticRoot: string },
  port: number,
  o: { databaseUrl: string; sessionsUrl: string; cacheServers: readonly string[]; protect?: ProtectLimits },
): AppProcessSpec {
  return appProcessSpec({
    host: h.address,
    port,
    db: o.databaseUrl,
    staticRoot: h.staticRoot,
    sessions: 'redis',
    redisUrl: o.sessionsUrl,
    memcached: [...o.cacheServers],
    fillMemcached: true,
    ...(o.protect === undefined ? {} : { maxInFlight: o.protect.maxInFlight }),
  });
}

/** memcached's -m: half the cache host's memory, 64 MB without a figure (the local stages' size). */
export function memcachedMegabytes(memoryBytes: number | undefined): number {
  if (memoryBytes === undefined) return 64;
  return Math.max(16, Math.min(4096, Math.floor(memoryBytes / 2 / MB)));
}

export function planFleet(
  allHosts: readonly RemoteHost[],
  facts: Readonly<Record<string, HostFacts>>,
  o: FleetPlanOptions,
): FleetPlan {
  const ownDb = o.externalDbUrl === undefined;
  const problems = fleetHostProblems(allHosts, {
    externalDb: !ownDb,
    ...(o.appHosts === undefined ? {} : { appHosts: o.appHosts }),
  });
  if (problems.length > 0) throw new FkError('E_HOSTS_INVALID', problems.join('; '));
  const hosts = usedHosts(allHosts, {
    ...(o.appHosts === undefined ? {} : { appHosts: o.appHosts }),
    externalDb: !ownDb,
  });
  const roleOf = (h: RemoteHost): Role[] =>
    h.roles.filter((r) => (r !== 'db' || ownDb) && (r !== 'app' || isUsedApp(h)));
  const appList = allHosts
    .filter((h) => h.roles.includes('app'))
    .slice(0, o.appHosts ?? Number.MAX_SAFE_INTEGER);
  const isUsedApp = (h: RemoteHost) => appList.includes(h);
  const missing = missingOnHosts(
    hosts.map((h) => ({ host: h, roles: roleOf(h) })),
    facts,
    ownDb,
  );
  if (missing.length > 0) throw new FkError('E_PREREQ_MISSING', missing.join('; '));

  const factsOf = (h: RemoteHost): HostFacts => {
    const f = facts[h.name];
    if (f === undefined) throw new FkError('E_INTERNAL', `no facts probed for host ${h.name}`);
    return f;
  };
  const find = (r: Role) => hosts.find((h) => h.roles.includes(r))!;
  const lb = find('lb');
  const sessions = find('sessions');
  const db = ownDb ? find('db') : undefined;
  const caches = hosts.filter((h) => h.roles.includes('cache'));
  const port = o.port ?? FLEET_PORTS.lb;
  const cacheServers = caches.map((h) => `${h.address}:${FLEET_PORTS.memcached}`);
  const sessionsUrl = `redis://${sessions.address}:${FLEET_PORTS.redis}`;
  const dbBase =
    db === undefined ? undefined : `postgres://${OWN_SUPERUSER}@${db.address}:${FLEET_PORTS.postgres}`;
  const databaseUrl = o.externalDbUrl ?? `${dbBase}/${OWN_DATABASE}`;
  const releaseDir = (h: RemoteHost) => `${fleetPaths(h.dirs).releases}/${o.releaseId}`;

  // App processes first: nginx and the database's connection limit both need the whole list.
  const apps = appList.map((h) => {
    const n = processesPerHost(h, facts[h.name], o.workersPerHost);
    const specs = Array.from({ length: n }, (_, i) =>
      fleetAppSpec({ address: h.address, staticRoot: fleetPaths(h.dirs).staticRoot }, FLEET_PORTS.app + i, {
        databaseUrl,
        sessionsUrl,
        cacheServers,
        ...(o.protect === undefined ? {} : { protect: o.protect }),
      }),
    );
    return { host: h, specs };
  });
  const appServers = apps.flatMap((a) => a.specs.map((s) => `${s.host}:${s.port}`));
  const appProcesses = appServers.length;

  const plans = hosts.map((h): HostPlan => {
    const f = factsOf(h);
    const root = f.uid === 0;
    const paths = fleetPaths(h.dirs);
    const roles = roleOf(h);
    const bin = (b: keyof HostFacts['bins']) => f.bins[b]!;
    const programs: ProgramPlan[] = [];
    const files: FileWrite[] = [];
    const dirs: DirMake[] = [
      { path: paths.supervisorDir, mode: 0o700 },
      { path: paths.logDir, mode: 0o755 },
    ];
    let initdb: string[] | undefined;
    if (roles.includes('db')) {
      programs.push(
        postgresProgram({
          bin: bin('postgres'),
          paths,
          address: h.address,
          port: FLEET_PORTS.postgres,
          root,
        }),
      );
      const owner = root ? { owner: 'postgres' } : {};
      dirs.push({ path: paths.pgData, mode: 0o700, ...owner });
      const input = {
        address: h.address,
        port: FLEET_PORTS.postgres,
        dataDir: paths.pgData,
        ...(h.memoryBytes === undefined ? {} : { memoryBytes: h.memoryBytes }),
        appProcesses,
        // Every app host of the list, also those the fleet did not start: `deploy hosts add` needs them admitted.
        clients: dbClients(
          allHosts.filter((a) => a.roles.includes('app')).map((a) => ({ name: a.name, address: a.address })),
          f.clientAddress,
        ),
      };
      files.push(
        {
          path: `${paths.pgData}/postgresql.conf`,
          content: renderDbPostgresConf(input),
          mode: 0o600,
          ...owner,
        },
        { path: `${paths.pgData}/pg_hba.conf`, content: renderDbPgHba(input), mode: 0o600, ...owner },
      );
      initdb = initdbArgv(bin('initdb'), paths.pgData, root ? bin('setpriv') : undefined);
    }
    if (roles.includes('sessions')) {
      programs.push(
        redisProgram({ bin: bin('redis-server'), paths, address: h.address, port: FLEET_PORTS.redis }),
      );
      dirs.push({ path: paths.redisDir, mode: 0o700 });
    }
    if (roles.includes('cache'))
      programs.push(
        memcachedProgram({
          bin: bin('memcached'),
          paths,
          address: h.address,
          port: FLEET_PORTS.memcached,
          memoryMb: memcachedMegabytes(h.memoryBytes),
          root,
        }),
      );
    const app = apps.find((a) => a.host === h);
    if (app !== undefined)
      app.specs.forEach((spec, i) => {
        programs.push(
          appProgram({ name: `app-${i + 1}`, node: bin('node'), releaseDir: releaseDir(h), spec, paths }),
        );
      });
    if (roles.includes('lb')) {
      programs.push(nginxProgram({ bin: bin('nginx'), paths, address: h.address, port }));
      dirs.push({ path: paths.nginxDir, mode: 0o755 });
      for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
        dirs.push({ path: `${paths.nginxDir}/${t}_temp`, mode: 0o700 });
      files.push({
        path: `${paths.nginxDir}/nginx.conf`,
        content: renderLbConf({
          paths,
          address: h.address,
          port,
          appServers,
          cacheServers,
          // One event loop is enough for the proxy (the local stages' choice); more on a bigger lb.
          workerProcesses: Math.max(1, Math.ceil(h.cpu ?? f.cores)),
          root,
          ...(o.tuning === undefined ? {} : { tuning: o.tuning }),
          ...(o.accessLog === undefined ? {} : { accessLog: o.accessLog }),
          ...(o.protect === undefined ? {} : { protect: o.protect }),
        }),
        mode: 0o644,
      });
      files.push({
        path: appServersPath(paths),
        content: renderAppServerLines(appServers, o.tuning ?? FLEET_UPSTREAM_TUNING),
        mode: 0o644,
      });
      if (o.protect !== undefined)
        files.push({
          path: protectLimitPath(paths),
          content: renderProtectLimit(o.protect.maxInFlight, appServers.length),
          mode: 0o644,
        });
    }
    // supervisord starts the host's first phase by itself; later phases wait for their turn.
    const first = PHASES.find((ph) => programs.some((p) => p.phase === ph));
    for (const p of programs) p.autostart = p.phase === first;
    if (programs.some((p) => p.phase === 'app')) dirs.push({ path: programsDir(paths), mode: 0o700 });
    for (const p of programs)
      if (p.phase === 'app')
        files.push({
          path: programFilePath(paths, p.name),
          content: renderProgramFile(p, root),
          mode: 0o600,
        });
    files.unshift({
      path: paths.supervisorConf,
      content: renderSupervisordConf({ host: h.name, paths, programs, root }),
      // environment= may hold a database password.
      mode: 0o600,
    });
    return {
      name: h.name,
      address: h.address,
      roles,
      root,
      paths,
      dirs,
      files,
      programs,
      ...(initdb === undefined ? {} : { initdb }),
      supervisord: bin('supervisord'),
      supervisorctl: bin('supervisorctl'),
    };
  });
  return {
    // A host with nothing to run here (a db host when --db names a server) is left alone.
    hosts: plans.filter((h) => h.programs.length > 0),
    url: `http://${lb.address.includes(':') ? `[${lb.address}]` : lb.address}:${port}`,
    lbHost: lb.name,
    databaseUrl,
    ...(dbBase === undefined ? {} : { adminUrl: `${dbBase}/postgres`, dbHost: db!.name }),
    sessionsUrl,
    cacheServers,
    appServers,
    appHosts: appList.map((h) => h.name),
    releaseDir: releaseDir(appList[0]!),
  };
}

/**
 * initdb as the project's own cluster makes it (store/postgres/cluster.ts): superuser fk, trust,
 * UTF-8, C locale (text compares byte by byte, as SQLite's BINARY collation). As root through
 * setpriv, which changes ids and execs (PostgreSQL refuses to run as root).
 */
export function initdbArgv(initdb: string, dataDir: string, setpriv: string | undefined): string[] {
  const argv = [
    initdb,
    '-D',
    dataDir,
    '-U',
    OWN_SUPERUSER,
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-instructions',
  ];
  if (setpriv === undefined) return argv;
  return [setpriv, '--reuid', 'postgres', '--regid', 'postgres', '--init-groups', '--', ...argv];
}

/** Database connections the fleet opens: every app process, each a pool of 1. */
export function fleetDbClients(plan: Pick<FleetPlan, 'appServers'>): number {
  return plan.appServers.length;
}
