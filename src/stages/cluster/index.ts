import { availableParallelism } from 'node:os';
import { assertFrontPortFree, startOnPort } from '../../daemons/free-port.js';
import { describe, type ProcessInfo, type Service } from '../../daemons/supervisor.js';
import { childPids } from '../../proc/stat.js';
import { appProcessSpec } from '../../server/app-process-spec.js';
import { startAppProcess } from '../common/app-pool.js';
import { backendPrerequisites, startBackends } from '../common/backends.js';
import { dbArgument, defineStage, staticRootOf } from '../stage.js';

/**
 * One of the talk's "other options": the multiprocess model with no proxy in front. node:cluster
 * forks N workers that share one listening socket (the primary accepts and hands connections out
 * round-robin), so there is no nginx to spoon-feed slow clients, retry or serve static files. The
 * talk: it "also takes advantage of multi-core", but "we'll need to get a reverse proxy involved
 * anyway when we want to involve different physical machines".
 */
export const stage = defineStage({
  name: 'cluster',
  // 0.3's other options: a multiprocess server instead of nginx + N processes.
  baseline: 'nginx',
  staticFrom: 'app',
  title: 'node:cluster workers sharing one port, no proxy',
  summary:
    'N app processes forked by node:cluster share one listening socket: multi-core without a proxy, ' +
    'but nothing in front to buffer slow clients, retry on another worker or serve static files. ' +
    'Sessions in Redis (shared nothing); --sessions memcached may lose sessions to eviction.',
  prerequisites: (opts) => backendPrerequisites(opts, false),
  dbClients: (opts) => opts.workers ?? availableParallelism(),
  start: async (opts) => {
    const workers = opts.workers ?? availableParallelism();
    await assertFrontPortFree(opts);
    let port = 0;
    const services: Service[] = [];
    const stopAll = async () => {
      for (const s of [...services].reverse()) await s.stop();
    };
    let primary: Service;
    try {
      const backends = await startBackends(opts, false, services);
      const front = await startOnPort(opts.port, (listenPort) => {
        const spec = appProcessSpec({
          port: listenPort,
          db: dbArgument(opts.db),
          staticRoot: staticRootOf(opts.db),
          sessions: backends.sessions,
          ...(backends.redisUrl === undefined ? {} : { redisUrl: backends.redisUrl }),
          memcached: backends.memcachedAddr === undefined ? [] : [backends.memcachedAddr],
          cluster: workers,
          ...(opts.protect === undefined ? {} : { maxInFlight: opts.protect.maxInFlight }),
        });
        return startAppProcess(spec, 'cluster-primary', opts.runDir, 'cluster');
      });
      primary = front.started;
      port = front.port;
      services.push(primary);
      opts.log?.(
        `cluster of ${workers} workers listening on http://127.0.0.1:${port} (run dir ${opts.runDir})`,
      );
    } catch (e) {
      await stopAll();
      throw e;
    }
    let stopped: Promise<void> | undefined;
    return {
      name: 'cluster',
      url: `http://127.0.0.1:${port}`,
      runDir: opts.runDir,
      processes: (): ProcessInfo[] => [
        ...describe([primary]),
        ...(primary.isRunning()
          ? childPids(primary.pid).map((pid, i) => ({ role: `app-${i + 1}`, pid }))
          : []),
        ...describe(services.filter((s) => s !== primary)),
      ],
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  },
});
