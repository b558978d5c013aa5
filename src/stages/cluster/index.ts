import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CLI_ENTRY } from '../../paths.js';
import { childPids } from '../../proc/stat.js';
import { assertFrontPortFree, startOnPort } from '../free-port.js';
import { backendPrerequisites, startBackends } from '../services.js';
import type { ProcessInfo, StageModule } from '../stage.js';
import { describe, type Service, startService } from '../supervisor.js';

/** The argv of the cluster primary (pure). */
export function clusterServerArgs(a: {
  port: number;
  workers: number;
  dbPath: string;
  sessions: string;
  redisUrl?: string;
  memcachedAddr?: string;
}): string[] {
  const args = [CLI_ENTRY, 'cluster-server', '--port', String(a.port), '--host', '127.0.0.1'];
  args.push('--workers', String(a.workers), '--db', a.dbPath, '--sessions', a.sessions);
  if (a.redisUrl !== undefined) args.push('--redis', a.redisUrl);
  if (a.memcachedAddr !== undefined) args.push('--memcached', a.memcachedAddr);
  return args;
}

/**
 * One of the talk's "other options": the multiprocess model with no proxy in front. node:cluster
 * forks N workers that share one listening socket (the primary accepts and hands connections out
 * round-robin), so there is no nginx to spoon-feed slow clients, retry or serve static files. The
 * talk: it "also takes advantage of multi-core", but "we'll need to get a reverse proxy involved
 * anyway when we want to involve different physical machines".
 */
export const stage: StageModule = {
  name: 'cluster',
  title: 'node:cluster workers sharing one port, no proxy',
  summary:
    'N app processes forked by node:cluster share one listening socket: multi-core without a proxy, ' +
    'but nothing in front to buffer slow clients, retry on another worker or serve static files. ' +
    'Sessions in Redis (shared nothing); --sessions memcached may lose sessions to eviction.',
  prerequisites: (opts) => backendPrerequisites(opts, false),
  start: async (opts) => {
    const { dbPath, runDir } = opts;
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
      const front = await startOnPort(opts.port, (listenPort) =>
        startService({
          role: 'cluster-primary',
          command: process.execPath,
          args: clusterServerArgs({ port: listenPort, workers, dbPath, ...backends }),
          logFile: join(runDir, 'cluster.log'),
          readyPort: listenPort,
          readyTimeoutMs: 15_000,
        }),
      );
      primary = front.started;
      port = front.port;
      services.push(primary);
      opts.log?.(`cluster of ${workers} workers listening on http://127.0.0.1:${port} (run dir ${runDir})`);
    } catch (e) {
      await stopAll();
      throw e;
    }
    let stopped: Promise<void> | undefined;
    return {
      name: 'cluster',
      url: `http://127.0.0.1:${port}`,
      runDir,
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
};
