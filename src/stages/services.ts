import { join } from 'node:path';
import { FkError, isFkError } from '../errors.js';
import { freePort } from './free-port.js';
import { requireBinary } from './prereq.js';
import { type Service, startService } from './supervisor.js';

/**
 * The shared-nothing backends of the talk's 0.3/0.4 stages, started per run from the Debian
 * binaries, in the foreground under our own supervision (PID 1 here is not systemd), on a free
 * loopback port. The system Redis on 6379 is never used: a run owns its own.
 */

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

// freePort() closes its probe socket before the daemon binds, so another process may take the
// port in between; the daemon then exits at once and we simply pick another port.
const ATTEMPTS = 3;

export interface ServiceOptions {
  /** Role in the topology and log file name; default 'redis' / 'memcached'. */
  role?: string;
  /** A fixed port (e.g. to restart a server where its clients expect it); default: a free one. */
  port?: number;
}

export async function startRedis(runDir: string, opts: ServiceOptions = {}): Promise<StartedRedis> {
  const bin = requireBinary({ binary: 'redis-server', debianPackage: 'redis-server' });
  const role = opts.role ?? 'redis';
  const service = await withPortRetry(opts.port, async (port) =>
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
    }).then((s) => ({ s, port })),
  );
  return { url: `redis://127.0.0.1:${service.port}`, service: service.s };
}

export async function startMemcached(
  runDir: string,
  opts: ServiceOptions & { memoryMb?: number } = {},
): Promise<StartedMemcached> {
  const bin = requireBinary({ binary: 'memcached', debianPackage: 'memcached' });
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
  const started = await withPortRetry(opts.port, async (port) =>
    startService({
      role,
      command: bin,
      args: args(port),
      cwd: runDir,
      logFile: join(runDir, `${role}.log`),
      readyPort: port,
    }).then((s) => ({ s, port })),
  );
  return { addr: `127.0.0.1:${started.port}`, service: started.s };
}

async function withPortRetry<T>(fixed: number | undefined, start: (port: number) => Promise<T>): Promise<T> {
  if (fixed !== undefined) return start(fixed);
  let last: unknown;
  for (let i = 0; i < ATTEMPTS; i++) {
    try {
      return await start(await freePort());
    } catch (e) {
      last = e;
      // Only an early exit (port taken) is worth another port; a missing binary is not.
      if (!(isFkError(e) && e.code === 'E_PROCESS_EXITED')) throw e;
    }
  }
  throw last instanceof Error ? last : new FkError('E_INTERNAL', String(last));
}
