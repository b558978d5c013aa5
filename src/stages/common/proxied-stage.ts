import { availableParallelism } from 'node:os';
import { assertFrontPortFree, startOnPort } from '../../daemons/free-port.js';
import { NGINX_PREREQ, nginxProcesses, nginxUser, runNginx } from '../../daemons/nginx.js';
import type { Prerequisite } from '../../daemons/prereq.js';
import { describe, type ProcessInfo, type Service } from '../../daemons/supervisor.js';
import { appProcessSpec } from '../../server/app-process-spec.js';
import {
  dbArgument,
  type RunningStage,
  type StageOptions,
  type StartOptions,
  staticRootOf,
} from '../stage.js';
import { type AppPool, startAppPool } from './app-pool.js';
import { backendPrerequisites, startBackends } from './backends.js';
import { type NginxSite, renderNginxConf } from './nginx-conf.js';

export function proxiedPrerequisites(site: NginxSite, opts: StageOptions): Prerequisite[] {
  return [NGINX_PREREQ, ...backendPrerequisites(opts, site.memcached)];
}

/** One connection per app process (pool of 1), one app process per core unless --workers. */
export function poolSize(opts: StageOptions): number {
  return opts.workers ?? availableParallelism();
}

/**
 * Every stage with nginx in front of an app pool (nginx, memcached, nginx-static, proxy-cache)
 * starts the same way; what differs is the stage's NginxSite (its locations, whether memcached
 * runs). Shared nothing (the talk): sessions live in Redis by default, started here on a free
 * loopback port unless --redis URL names one; a session created through one worker is seen by all.
 */
export async function startProxiedStage(
  name: string,
  site: NginxSite,
  opts: StartOptions,
): Promise<RunningStage> {
  const { runDir } = opts;
  const workers = poolSize(opts);
  const log = opts.log ?? (() => {});
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
    const backends = await startBackends(opts, site.memcached, services);
    const memcached = backends.memcachedAddr === undefined ? [] : [backends.memcachedAddr];
    pool = await startAppPool({
      workers,
      runDir,
      spec: appProcessSpec({
        port: 0,
        db: dbArgument(opts.db),
        staticRoot: staticRootOf(opts.db),
        sessions: backends.sessions,
        ...(backends.redisUrl === undefined ? {} : { redisUrl: backends.redisUrl }),
        memcached,
        fillMemcached: site.memcached,
        ...(opts.protect === undefined ? {} : { maxInFlight: opts.protect.maxInFlight }),
      }),
    });
    log(`${workers} app processes on ports ${pool.ports.join(', ')}`);
    if (opts.protect !== undefined)
      log(
        `protect: at most ${opts.protect.maxInFlight} requests in flight per app process, at nginx and in each process`,
      );
    // The front port is picked only now, after the backends and app processes took theirs (picked
    // earlier, one of them could have been handed the same port).
    const appPorts = pool.ports;
    const front = await startOnPort(opts.port, (listenPort) => {
      const spec = {
        runDir,
        listenHost: '127.0.0.1',
        listenPort,
        appPorts,
        // The same strings as the app processes' spec: with several, both sides hash these names.
        ...(memcached.length === 0 ? {} : { memcachedServers: memcached }),
        staticRoot: staticRootOf(opts.db),
        // nginx's own default, and the talk's setup: one event loop is enough for the proxy, and on
        // a 2-core box the other core goes to the app processes.
        workerProcesses: 1,
        ...(nginxUser() === undefined ? {} : { user: nginxUser() }),
        ...(opts.protect === undefined ? {} : { protect: { maxInFlightPerApp: opts.protect.maxInFlight } }),
      };
      return runNginx({ ...spec, conf: renderNginxConf(site, spec) });
    });
    nginx = front.started;
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
