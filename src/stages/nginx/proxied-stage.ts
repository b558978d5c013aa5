import { availableParallelism } from 'node:os';
import { staticRootFor } from '../../paths.js';
import { type AppPool, startAppPool } from '../app-pool.js';
import { assertFrontPortFree, startOnPort } from '../free-port.js';
import { backendPrerequisites, startBackends } from '../services.js';
import type {
  Prerequisite,
  ProcessInfo,
  RunningStage,
  StageName,
  StageOptions,
  StartOptions,
} from '../stage.js';
import { describe, type Service } from '../supervisor.js';
import type { NginxVariant } from './render-nginx-conf.js';
import { NGINX_PREREQ, nginxProcesses, runNginx } from './run-nginx.js';

export function proxiedPrerequisites(variant: NginxVariant, opts: StageOptions): Prerequisite[] {
  return [NGINX_PREREQ, ...backendPrerequisites(opts, variant === 'memcached')];
}

/**
 * Every stage with nginx in front of an app pool (nginx, memcached, nginx-static, proxy-cache)
 * starts the same way; only the nginx.conf variant and whether memcached runs differ.
 * Shared nothing (the talk): sessions live in Redis by default, started here on a free loopback
 * port unless --redis URL names one; a session created through one worker is seen by all.
 */
export async function startProxiedStage(
  name: StageName,
  variant: NginxVariant,
  opts: StartOptions,
): Promise<RunningStage> {
  const { dbPath, runDir } = opts;
  const workers = opts.workers ?? availableParallelism();
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
    const backends = await startBackends(opts, variant === 'memcached', services);
    pool = await startAppPool({
      dbPath,
      workers,
      runDir,
      ...backends,
      fillMemcached: variant === 'memcached',
    });
    log(`${workers} app processes on ports ${pool.ports.join(', ')}`);
    // The front port is picked only now, after the backends and app processes took theirs (picked
    // earlier, one of them could have been handed the same port).
    const front = await startOnPort(opts.port, (listenPort) =>
      runNginx({
        variant,
        runDir,
        listenHost: '127.0.0.1',
        listenPort,
        appPorts: pool!.ports,
        memcachedAddr: backends.memcachedAddr,
        staticRoot: staticRootFor(dbPath),
        // nginx's own default, and the talk's setup: one event loop is enough for the proxy, and on
        // a 2-core box the other core goes to the app processes.
        workerProcesses: 1,
      }),
    );
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
