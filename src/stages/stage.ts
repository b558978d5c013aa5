import type { Prerequisite } from '../daemons/prereq.js';
import type { ProcessInfo } from '../daemons/supervisor.js';
import type { RemoteHost } from '../remote/remote-host.js';
import type { SessionBackend } from '../server/app-process-spec.js';
import { type OpenTarget, staticRootFor } from '../store/db-target.js';

/**
 * A stage is one topology of the talk's ladder (0.1 cgi, 0.2 single, 0.3 nginx, 0.4 memcached, and
 * the "other options"). Everything known about a stage is on its one definition, in its own folder:
 * what the talk called it and measured, what the ladder compares it with, who answers /static,
 * its variants, its prerequisites and how it starts. stages/registry.ts lists them in the talk's
 * order, and every list, union, hint and table is derived from there.
 */
export interface StageOptions {
  /**
   * The database every app process of the stage opens: a SQLite file, or a PostgreSQL server by
   * URL (the project's own cluster is started by the caller — serve, the ladder — and passed here
   * as its URL, so one cluster outlives the stages it serves).
   */
  db: OpenTarget;
  /** Front-door port; 0 or undefined = a free loopback port. */
  port?: number;
  /** App processes for multi-process stages; default: number of cores. */
  workers?: number;
  sessions?: SessionBackend;
  /** Use an existing Redis instead of starting one (redis://127.0.0.1:6379). */
  redisUrl?: string;
  /** stage cgi only: which CGI host runs the script. */
  cgiHost?: 'lighttpd' | 'builtin';
  /** Per-run directory for configs, logs and pid files; default: a fresh temp dir. */
  runDir?: string;
  /** Progress lines for the user (stderr in the CLI). */
  log?: (line: string) => void;
  /**
   * `--protect`: bounded work in flight, so overload is answered with fast 503s (Retry-After)
   * instead of a queue: each app process takes at most `maxInFlight` requests at once, and nginx
   * in front passes at most as many to each (upstream max_conns). Absent: unbounded, as before.
   * docs/capacity.md says why these limits and what they measured.
   */
  protect?: ProtectLimits;
  /** Stage fleet: the machines it runs on (remote/hosts.ts: hostsForLab or loadHosts). */
  hosts?: RemoteHost[];
  /** Stage fleet: the caller's environment for ssh (HOME, SSH_AUTH_SOCK: the user's agent and ~/.ssh). */
  env?: Record<string, string | undefined>;
}

export interface ProtectLimits {
  /** Requests in flight per app process (and per upstream server at nginx). */
  maxInFlight: number;
}

/**
 * `--protect` without numbers: 4 per app process. Measured on stage memcached (one app process, 2
 * cores; `capacity --max-in-flight 2,4,8,16`, docs/capacity.md): 8 and 16 let goodput collapse
 * past 1.5× the sustainable rate as unprotected does; 2 and 4 kept it at or above that rate up to
 * 3×, and 4 refused almost nothing at 1× (2 refused 0.25 %, over the default SLO's errors<0.1%).
 */
export const DEFAULT_PROTECT: ProtectLimits = { maxInFlight: 4 };

/** StageOptions once checked: a SQLite file absolute and existing, runDir existing. */
export type StartOptions = StageOptions & { runDir: string };

export interface RunningStage {
  name: string;
  /** Front door, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Long-running processes of the stack, for /proc CPU sampling. Per-request CGI children are not listed. */
  processes(): ProcessInfo[];
  /** Per-run directory holding configs and logs. */
  runDir: string;
  /** Stops every process this stage started, by PID; idempotent. */
  stop(): Promise<void>;
  /**
   * Stages on several hosts (fleet): each host's CPU counters, read now. Two readings around a
   * benchmark give each host's cores used against its quota (the capacity command).
   */
  hostCpu?(): Promise<HostCpuReading[]>;
}

/** Cumulative CPU of one host at `atMs` (performance.now() of this machine). */
export interface HostCpuReading {
  host: string;
  roles: readonly string[];
  /** Cores the host may use: its lab quota, or its size (hosts file cpu, else its core count). */
  quota: number;
  /** CPU time used by the host's processes since some fixed point (its cgroup's creation, or boot). */
  usageUs: number;
  /** Time its processes were held back by the CPU quota (lab hosts; 0 where not known). */
  throttledUs: number;
  atMs: number;
  /**
   * A real machine: its kernel's boot time (/proc/stat `btime`, s since the epoch). Hosts with the
   * same one share a kernel — network namespaces or containers of one machine — so each one's
   * /proc/stat is that machine's CPU, not its own. Absent for lab hosts (their cgroup is their own).
   */
  bootTimeS?: number;
}

/** What the talk said of this stage: its version number and the requests/s it measured. */
export interface TalkFacts {
  version?: string;
  /** The talk's req/s (PyCon 2007, dual core; /work/shared/seed/talk-figures.md). */
  requestsPerS?: number;
}

/** Who answers /static/ in the topology; the ladder's diagnosis uses it when the data cannot tell. */
export type StaticServer = 'app' | 'front' | 'cache';

/** Another ladder run of the same topology with one thing changed, e.g. the talk's dropped index. */
export interface StageVariant {
  /** Run id, e.g. 'memcached-noindex'. */
  id: string;
  kind: 'no-index';
  label: string;
  /** The run this one is compared with. */
  baseline: string;
  talk?: TalkFacts;
}

export interface StageDefinition<N extends string = string> {
  name: N;
  title: string;
  /** One sentence: what this topology is. */
  summary: string;
  talk?: TalkFacts;
  /**
   * The run the ladder compares this one with ("vs"): the talk's previous version for 0.1 → 0.4,
   * and for the "other options" the version they are an alternative to.
   */
  baseline?: string;
  staticFrom: StaticServer;
  variants?: readonly StageVariant[];
  /** false: not one of the ladder's runs (stage fleet needs hosts; the ladder makes none yet). */
  ladder?: boolean;
  /**
   * 'own': the stage brings its database (fleet: PostgreSQL on its db host), so serve and the
   * ladder neither connect nor check a local one; `opts.db` counts only as a server the user
   * names (a postgres:// URL).
   */
  database?: 'own';
  prerequisites(opts: StageOptions): Prerequisite[];
  /**
   * Database connections the stage opens at most (one per app process, pool of 1; a CGI script
   * per request in flight): serve and the ladder check them against the server's max_connections.
   */
  dbClients(opts: StageOptions): number;
  /** Called through loadStage(), which has checked the database and prerequisites already. */
  start(opts: StartOptions): Promise<RunningStage>;
}

/** What an app process is given as --db: the SQLite file's path or the server's URL. */
export function dbArgument(t: OpenTarget): string {
  return t.kind === 'sqlite' ? t.path : t.url;
}

/** The static root of the stage's data: next to a SQLite file, or the target's own. */
export function staticRootOf(t: OpenTarget): string {
  return staticRootFor(t);
}

/** Keeps the literal name, so the registry can derive the StageName union. */
export function defineStage<const N extends string>(def: StageDefinition<N>): StageDefinition<N> {
  return def;
}
