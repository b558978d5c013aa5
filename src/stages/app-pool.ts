import { join } from 'node:path';
import { CLI_ENTRY } from '../paths.js';
import { startOnPort } from './free-port.js';
import type { ProcessInfo, SessionBackend } from './stage.js';
import { describe, type Service, startService } from './supervisor.js';

/**
 * N app processes, each on its own loopback port: the talk's 0.3 "two (or more) instances of
 * CherryPy to take advantage of multi-core". Each is `node dist/cli/main.js app-server`, shares
 * nothing with the others but the database file and the session store it is given.
 */
export interface AppPoolOptions {
  dbPath: string;
  workers: number;
  runDir: string;
  sessions: SessionBackend;
  redisUrl?: string;
  /** host:port of memcached, for memcached sessions and/or filling static files into it. */
  memcachedAddr?: string;
  /** The app inserts each static file into memcached the first time it serves it (stage memcached). */
  fillMemcached?: boolean;
  host?: string;
}

export interface AppPool {
  ports: number[];
  services: Service[];
  processes(): ProcessInfo[];
  stop(): Promise<void>;
}

/** The argv of one app process (pure, unit-tested); stage single starts its one process so too. */
export function appServerArgs(
  opts: Pick<AppPoolOptions, 'dbPath' | 'sessions' | 'redisUrl' | 'memcachedAddr' | 'fillMemcached' | 'host'>,
  port: number,
): string[] {
  const args = [
    CLI_ENTRY,
    'app-server',
    '--port',
    String(port),
    '--host',
    opts.host ?? '127.0.0.1',
    '--db',
    opts.dbPath,
    '--sessions',
    opts.sessions,
  ];
  if (opts.redisUrl !== undefined) args.push('--redis', opts.redisUrl);
  if (opts.memcachedAddr !== undefined) args.push('--memcached', opts.memcachedAddr);
  if (opts.fillMemcached === true) args.push('--fill-memcached');
  return args;
}

export async function startAppPool(opts: AppPoolOptions): Promise<AppPool> {
  // In parallel: each process pays Node's start-up (~45 ms CPU, more with NODE_EXTRA_CA_CERTS).
  const results = await Promise.allSettled(
    Array.from({ length: opts.workers }, (_, i) =>
      startOnPort(undefined, (port) =>
        startService({
          role: `app-${i + 1}`,
          command: process.execPath,
          args: appServerArgs(opts, port),
          logFile: join(opts.runDir, `app-${i + 1}.log`),
          readyPort: port,
          readyTimeoutMs: 15_000,
        }),
      ),
    ),
  );
  const up = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const services = up.map((u) => u.started);
  const stop = async () => {
    await Promise.all(services.map((s) => s.stop()));
  };
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { ports: up.map((u) => u.port), services, processes: () => describe(services), stop };
}
