import type { Role } from '../../lab/host-spec.js';
import { type AppProcessSpec, toArgv, toEnv } from '../../server/app-process-spec.js';
import type { FleetPaths } from './paths.js';

/**
 * Every daemon of the fleet as a supervisor `program`: its argv (absolute binaries, as probed on
 * the host: an ssh session's PATH is sshd's default), the user it runs as, where it listens and
 * how it stops. Each runs in the FOREGROUND (supervisord is its parent), bound to its host's own
 * address, with its files in the host's private folders.
 */
export type Phase = 'backend' | 'app' | 'lb';
export const PHASES: readonly Phase[] = ['backend', 'app', 'lb'];

/** supervisord starts a host's programs in this order and stops them in the reverse one. */
export const PRIORITY: Record<Phase, number> = { backend: 100, app: 300, lb: 400 };

export interface ProgramPlan {
  /** The supervisor program name, unique on its host (app-1, app-2, …). */
  name: string;
  role: Role;
  /** Start order across the fleet: every backend, then the app hosts, then the lb. */
  phase: Phase;
  /**
   * supervisord starts it by itself when it starts (the host's first phase); a later phase's
   * program on the same host (an lb that is also an app host) waits for `supervisorctl start`.
   */
  autostart: boolean;
  argv: string[];
  env: Record<string, string>;
  /** supervisor's user= (only when supervisord runs as root). */
  user?: string;
  directory: string;
  /** Where it accepts connections; the readiness check connects here from this machine. */
  listen: { address: string; port: number };
  /** How it is known ready: a SELECT 1, an HTTP answer, or a TCP accept. */
  ready: 'postgres' | 'http' | 'tcp';
  stopSignal: 'TERM' | 'INT' | 'QUIT';
  /** Seconds between stopSignal and SIGKILL. */
  stopWaitSecs: number;
  /** stdout and stderr, on the host. */
  log: string;
}

const logOf = (p: FleetPaths, name: string) => `${p.logDir}/${name}.log`;

/**
 * PostgreSQL as the `postgres` user (it refuses root), with its config in its data directory.
 * SIGINT is its fast shutdown: sessions are ended instead of waited for (SIGTERM, "smart", would
 * wait for every app process's pool to disconnect).
 */
export function postgresProgram(o: {
  bin: string;
  paths: FleetPaths;
  address: string;
  port: number;
  root: boolean;
}): ProgramPlan {
  return {
    name: 'postgres',
    role: 'db',
    phase: 'backend',
    autostart: true,
    argv: [o.bin, '-D', o.paths.pgData],
    env: {},
    ...(o.root ? { user: 'postgres' } : {}),
    directory: o.paths.pgData,
    listen: { address: o.address, port: o.port },
    ready: 'postgres',
    stopSignal: 'INT',
    // The shutdown checkpoint writes what a seed left dirty.
    stopWaitSecs: 60,
    log: logOf(o.paths, 'postgres'),
  };
}

/**
 * Redis for sessions, bound to the sessions host's address only. No persistence: sessions of a
 * benchmark are disposable and a BGSAVE fork would disturb a measurement. Protected mode is off:
 * with no password it would refuse (or, depending on the version's rule, warn about) every client
 * that is not on loopback — and every client here is another host. What keeps others out is the
 * bind to a private address: in the lab, a bridge with no route to or from the outside.
 */
export function redisProgram(o: {
  bin: string;
  paths: FleetPaths;
  address: string;
  port: number;
}): ProgramPlan {
  return {
    name: 'redis',
    role: 'sessions',
    phase: 'backend',
    autostart: true,
    argv: [
      o.bin,
      '--bind',
      o.address,
      '--port',
      String(o.port),
      '--protected-mode',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      o.paths.redisDir,
    ],
    env: {},
    directory: o.paths.redisDir,
    listen: { address: o.address, port: o.port },
    ready: 'tcp',
    stopSignal: 'TERM',
    stopWaitSecs: 10,
    log: logOf(o.paths, 'redis'),
  };
}

/**
 * memcached for static files: -U 0 (no UDP: amplification, and nginx speaks TCP only); as root it
 * must be told whom to run as (-u nobody); no -P pid file (1.6.18 writes it after dropping
 * privileges, field notes): supervisord holds the PID.
 */
export function memcachedProgram(o: {
  bin: string;
  paths: FleetPaths;
  address: string;
  port: number;
  memoryMb: number;
  root: boolean;
}): ProgramPlan {
  return {
    name: 'memcached',
    role: 'cache',
    phase: 'backend',
    autostart: true,
    argv: [
      o.bin,
      '-l',
      o.address,
      '-p',
      String(o.port),
      '-U',
      '0',
      '-m',
      String(o.memoryMb),
      '-c',
      '4096',
      ...(o.root ? ['-u', 'nobody'] : []),
    ],
    env: {},
    directory: o.paths.lib,
    listen: { address: o.address, port: o.port },
    ready: 'tcp',
    stopSignal: 'TERM',
    stopWaitSecs: 10,
    log: logOf(o.paths, 'memcached'),
  };
}

/**
 * One app process from its AppProcessSpec, run from the shipped release: `node
 * <release>/dist/cli/main.js app-server <toArgv(spec)>`. A database password travels in the
 * environment (toEnv: DATABASE_URL), never in argv.
 */
export function appProgram(o: {
  name: string;
  node: string;
  releaseDir: string;
  spec: AppProcessSpec;
  paths: FleetPaths;
}): ProgramPlan {
  return {
    name: o.name,
    role: 'app',
    phase: 'app',
    autostart: true,
    argv: [o.node, `${o.releaseDir}/dist/cli/main.js`, ...toArgv(o.spec)],
    env: toEnv(o.spec),
    directory: o.releaseDir,
    listen: { address: o.spec.host, port: o.spec.port },
    ready: 'http',
    // app-server closes its listener and its backends on SIGTERM.
    stopSignal: 'TERM',
    stopWaitSecs: 10,
    log: logOf(o.paths, o.name),
  };
}

/**
 * nginx in the foreground (`daemon off;` in its config), every path of its own under the host's
 * /var/lib/flickr-killr/nginx; `-e` so it never opens /var/log/nginx first (field notes). QUIT is
 * its graceful stop: requests in flight finish, idle keep-alive connections close.
 */
export function nginxProgram(o: {
  bin: string;
  paths: FleetPaths;
  address: string;
  port: number;
}): ProgramPlan {
  const d = o.paths.nginxDir;
  return {
    name: 'nginx',
    role: 'lb',
    phase: 'lb',
    autostart: true,
    argv: [o.bin, '-p', d, '-c', `${d}/nginx.conf`, '-e', `${d}/error.log`],
    env: {},
    directory: d,
    listen: { address: o.address, port: o.port },
    ready: 'tcp',
    stopSignal: 'QUIT',
    stopWaitSecs: 10,
    log: logOf(o.paths, 'nginx'),
  };
}
