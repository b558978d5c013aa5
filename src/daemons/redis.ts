import { join } from 'node:path';
import { startOnPort } from './free-port.js';
import { type Prerequisite, requireBinary } from './prereq.js';
import { type Service, startService } from './supervisor.js';

/**
 * A Redis of the run's own (the talk's shared session store for 0.3/0.4), started from the Debian
 * binary in the foreground under our own supervision (PID 1 here is not systemd), on a free
 * loopback port. The system Redis on 6379 is never used: a run owns its own.
 */
export const REDIS_PREREQ: Prerequisite = { binary: 'redis-server', debianPackage: 'redis-server' };

export interface StartedRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
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
