import { join } from 'node:path';
import { isFkError } from '../errors.js';
import { CLI_ENTRY } from '../paths.js';
import { freePort } from './free-port.js';
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

/** The argv of one app process (pure, unit-tested). */
export function appServerArgs(opts: AppPoolOptions, port: number): string[] {
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
  const started: Array<{ service: Service; port: number }> = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.service.stop()));
  };
  try {
    // In parallel: each process pays Node's start-up (~45 ms CPU, more with NODE_EXTRA_CA_CERTS).
    const results = await Promise.allSettled(
      Array.from({ length: opts.workers }, (_, i) => startOne(opts, `app-${i + 1}`)),
    );
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    ports: started.map((s) => s.port),
    services: started.map((s) => s.service),
    processes: () => describe(started.map((s) => s.service)),
    stop,
  };
}

// freePort() releases its probe before the app binds; if another process takes the port in
// between the app exits at once, and we try another port.
async function startOne(opts: AppPoolOptions, role: string): Promise<{ service: Service; port: number }> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      const service = await startService({
        role,
        command: process.execPath,
        args: appServerArgs(opts, port),
        logFile: join(opts.runDir, `${role}.log`),
        readyPort: port,
        readyTimeoutMs: 15_000,
      });
      return { service, port };
    } catch (e) {
      last = e;
      if (!(isFkError(e) && e.code === 'E_PROCESS_EXITED' && /E_PORT_IN_USE|EADDRINUSE/.test(e.message)))
        throw e;
    }
  }
  throw last;
}
