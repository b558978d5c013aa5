import { join } from 'node:path';
import { startOnPort } from './free-port.js';
import { requireBinary } from './prereq.js';
import type { Prerequisite, SessionBackend, StageOptions, StartOptions } from './stage.js';
import { type Service, startService } from './supervisor.js';

/**
 * The shared-nothing backends of the talk's 0.3/0.4 stages, started per run from the Debian
 * binaries, in the foreground under our own supervision (PID 1 here is not systemd), on a free
 * loopback port. The system Redis on 6379 is never used: a run owns its own.
 */

export const REDIS_PREREQ: Prerequisite = { binary: 'redis-server', debianPackage: 'redis-server' };
export const MEMCACHED_PREREQ: Prerequisite = { binary: 'memcached', debianPackage: 'memcached' };

export interface StartedRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  service: Service;
}

export interface StartedMemcached {
  /** 127.0.0.1:PORT */
  addr: string;
  service: Service;
}

export interface ServiceOptions {
  /** Role in the topology and log file name; default 'redis' / 'memcached'. */
  role?: string;
  /** A fixed port (e.g. to restart a server where its clients expect it); default: a free one. */
  port?: number;
}

export async function startRedis(runDir: string, opts: ServiceOptions = {}): Promise<StartedRedis> {
  const bin = requireBinary(REDIS_PREREQ);
  const role = opts.role ?? 'redis';
  const { port, started } = await startOnPort(opts.port, (port) =>
    startService({
      role,
      command: bin,
      // No persistence: sessions of a benchmark run are disposable, and a BGSAVE fork would
      // disturb the measurement. --dir keeps any stray file inside the run directory.
      args: [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        runDir,
      ],
      cwd: runDir,
      logFile: join(runDir, `${role}.log`),
      readyPort: port,
    }),
  );
  return { url: `redis://127.0.0.1:${port}`, service: started };
}

export async function startMemcached(
  runDir: string,
  opts: ServiceOptions & { memoryMb?: number } = {},
): Promise<StartedMemcached> {
  const bin = requireBinary(MEMCACHED_PREREQ);
  const role = opts.role ?? 'memcached';
  const memoryMb = opts.memoryMb ?? 64;
  const args = (port: number) => {
    // -U 0: no UDP (amplification risk, and nginx speaks TCP only). No -P pid file: memcached
    // 1.6.18 writes it after dropping privileges (field notes); we hold the PID ourselves.
    const a = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', String(memoryMb)];
    // As root memcached refuses to start without -u; 'nobody' is the least privilege available.
    if (process.getuid?.() === 0) a.push('-u', 'nobody');
    return a;
  };
  const { port, started } = await startOnPort(opts.port, (port) =>
    startService({
      role,
      command: bin,
      args: args(port),
      cwd: runDir,
      logFile: join(runDir, `${role}.log`),
      readyPort: port,
    }),
  );
  return { addr: `127.0.0.1:${port}`, service: started };
}

/** Where sessions live when --sessions is not given: Redis, so every worker sees every session. */
export const DEFAULT_SESSIONS: SessionBackend = 'redis';

/** The daemons of backendsFor(): Redis unless --redis names one, memcached when asked for. */
export function backendPrerequisites(opts: StageOptions, memcached: boolean): Prerequisite[] {
  const sessions = opts.sessions ?? DEFAULT_SESSIONS;
  const reqs: Prerequisite[] = [];
  if (sessions === 'redis' && opts.redisUrl === undefined) reqs.push(REDIS_PREREQ);
  if (memcached || sessions === 'memcached') reqs.push(MEMCACHED_PREREQ);
  return reqs;
}

export interface Backends {
  sessions: SessionBackend;
  /** Set when sessions are in Redis: --redis, or the one started here. */
  redisUrl?: string;
  /** host:port of the memcached started here, if any. */
  memcachedAddr?: string;
}

/**
 * Starts the backends the app processes of a multi-process stage share: a Redis of the run's own
 * for sessions unless --redis names one, and memcached for sessions or (`memcached`) static files.
 * Each is pushed to `services` as soon as it runs, so that a later failure stops it too.
 */
export async function startBackends(
  opts: StartOptions,
  memcached: boolean,
  services: Service[],
): Promise<Backends> {
  const sessions = opts.sessions ?? DEFAULT_SESSIONS;
  const log = opts.log ?? (() => {});
  let redisUrl = sessions === 'redis' ? opts.redisUrl : undefined;
  if (sessions === 'redis' && redisUrl === undefined) {
    const redis = await startRedis(opts.runDir);
    services.push(redis.service);
    redisUrl = redis.url;
    log(`redis listening on ${redis.url}`);
  }
  let memcachedAddr: string | undefined;
  if (memcached || sessions === 'memcached') {
    const mc = await startMemcached(opts.runDir);
    services.push(mc.service);
    memcachedAddr = mc.addr;
    log(`memcached listening on ${mc.addr}`);
  }
  return { sessions, redisUrl, memcachedAddr };
}
