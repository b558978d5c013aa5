import { join } from 'node:path';
import { startOnPort } from './free-port.js';
import { type Prerequisite, requireBinary } from './prereq.js';
import type { ServiceOptions } from './redis.js';
import { type Service, startService } from './supervisor.js';

/**
 * A memcached of the run's own (the talk's 0.4: static files that nginx reads, optionally
 * sessions), started in the foreground under our own supervision on a free loopback port.
 */
export const MEMCACHED_PREREQ: Prerequisite = { binary: 'memcached', debianPackage: 'memcached' };

export interface StartedMemcached {
  /** 127.0.0.1:PORT */
  addr: string;
  service: Service;
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
