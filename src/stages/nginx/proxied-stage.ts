import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FkError, isFkError } from '../../errors.js';
import { staticRootFor } from '../../paths.js';
import { type AppPool, startAppPool } from '../app-pool.js';
import { assertPortFree, freePort } from '../free-port.js';
import { requireBinary } from '../prereq.js';
import { startMemcached, startRedis } from '../services.js';
import type { Prerequisite, ProcessInfo, RunningStage, StageName, StageOptions } from '../stage.js';
import { describe, type Service } from '../supervisor.js';
import type { NginxVariant } from './render-nginx-conf.js';
import { NGINX_PREREQ, nginxProcesses, runNginx } from './run-nginx.js';

/**
 * Every stage with nginx in front of an app pool (nginx, memcached, nginx-static, proxy-cache)
 * starts the same way; only the nginx.conf variant and whether memcached runs differ.
 * Shared nothing (the talk): sessions live in Redis by default, started here on a free loopback
 * port unless --redis URL names one; a session created through one worker is seen by all.
 */
export const REDIS_PREREQ: Prerequisite = { binary: 'redis-server', debianPackage: 'redis-server' };
export const MEMCACHED_PREREQ: Prerequisite = { binary: 'memcached', debianPackage: 'memcached' };

/** Where sessions live when --sessions is not given: Redis, so every worker sees every session. */
export const DEFAULT_SESSIONS = 'redis';

export function proxiedPrerequisites(variant: NginxVariant, opts: StageOptions): Prerequisite[] {
  const reqs: Prerequisite[] = [NGINX_PREREQ];
  const sessions = opts.sessions ?? DEFAULT_SESSIONS;
  if (sessions === 'redis' && opts.redisUrl === undefined) reqs.push(REDIS_PREREQ);
  if (variant === 'memcached' || sessions === 'memcached') reqs.push(MEMCACHED_PREREQ);
  return reqs;
}

/** The run directory: the caller's, or a fresh one under the OS temp dir. */
export function runDirFor(name: StageName, opts: StageOptions): string {
  if (opts.runDir === undefined) return mkdtempSync(join(tmpdir(), `fk-${name}-`));
  mkdirSync(opts.runDir, { recursive: true });
  return opts.runDir;
}

/** A front port the user asked for is checked before anything starts: E_PORT_IN_USE, nothing left over. */
export async function assertFrontPortFree(opts: StageOptions): Promise<void> {
  if (opts.port !== undefined && opts.port !== 0) await assertPortFree(opts.port);
}

/**
 * Starts the front door on the port asked for, or else on a free one picked only now, after the
 * backends and app processes took theirs (picked earlier, one of them could have been handed the
 * same port). If another process grabs it in between, the server exits at once: try another.
 */
export async function startOnFrontPort<T>(
  opts: StageOptions,
  start: (port: number) => Promise<T>,
): Promise<{ port: number; started: T }> {
  if (opts.port !== undefined && opts.port !== 0) return { port: opts.port, started: await start(opts.port) };
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return { port, started: await start(port) };
    } catch (e) {
      last = e;
      if (!(isFkError(e) && e.code === 'E_PROCESS_EXITED')) throw e;
    }
  }
  throw last;
}

export function assertDb(dbPath: string): void {
  if (!existsSync(dbPath)) throw new FkError('E_DB_MISSING', `no database at ${dbPath}`);
}

export async function startProxiedStage(
  name: StageName,
  variant: NginxVariant,
  opts: StageOptions,
): Promise<RunningStage> {
  // Every missing daemon is one clear line naming its package, before anything has started.
  for (const req of proxiedPrerequisites(variant, opts)) requireBinary(req);
  const dbPath = resolve(opts.dbPath);
  assertDb(dbPath);
  const sessions = opts.sessions ?? DEFAULT_SESSIONS;
  const workers = opts.workers ?? availableParallelism();
  const log = opts.log ?? (() => {});
  const runDir = runDirFor(name, opts);
  await assertFrontPortFree(opts);
  const services: Service[] = [];
  let pool: AppPool | undefined;
  let nginx: Service | undefined;
  let port = 0;
  const stopAll = async () => {
    // Front door first, so no request reaches a worker that is already gone; backends last.
    if (nginx) await nginx.stop();
    if (pool) await pool.stop();
    await Promise.all(services.map((s) => s.stop()));
  };
  try {
    let redisUrl = opts.redisUrl;
    if (sessions === 'redis' && redisUrl === undefined) {
      const redis = await startRedis(runDir);
      services.push(redis.service);
      redisUrl = redis.url;
      log(`redis listening on ${redis.url}`);
    }
    let memcachedAddr: string | undefined;
    if (variant === 'memcached' || sessions === 'memcached') {
      const mc = await startMemcached(runDir);
      services.push(mc.service);
      memcachedAddr = mc.addr;
      log(`memcached listening on ${mc.addr}`);
    }
    pool = await startAppPool({
      dbPath,
      workers,
      runDir,
      sessions,
      ...(sessions === 'redis' ? { redisUrl } : {}),
      ...(memcachedAddr === undefined ? {} : { memcachedAddr }),
      fillMemcached: variant === 'memcached',
    });
    log(`${workers} app processes on ports ${pool.ports.join(', ')}`);
    const front = await startOnFrontPort(opts, (listenPort) =>
      runNginx({
        variant,
        runDir,
        listenHost: '127.0.0.1',
        listenPort,
        appPorts: pool!.ports,
        ...(memcachedAddr === undefined ? {} : { memcachedAddr }),
        staticRoot: staticRootFor(dbPath),
        // nginx's own default, and the talk's setup: one event loop is enough for the proxy, and on
        // a 2-core box the other core goes to the app processes.
        workerProcesses: 1,
      }),
    );
    nginx = front.started.service;
    port = front.port;
    log(`nginx listening on http://127.0.0.1:${port} (run dir ${runDir})`);
  } catch (e) {
    await stopAll();
    throw e;
  }
  const frontDoor = nginx;
  const appPool = pool;
  let stopped: Promise<void> | undefined;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    runDir,
    processes: (): ProcessInfo[] => [
      ...nginxProcesses(frontDoor),
      ...appPool.processes(),
      ...describe(services),
    ],
    stop: () => {
      stopped ??= stopAll();
      return stopped;
    },
  };
}
