import { join } from 'node:path';
import { startOnPort } from '../../daemons/free-port.js';
import { describe, type ProcessInfo, type Service, startService } from '../../daemons/supervisor.js';
import { CLI_ENTRY } from '../../paths.js';
import { type AppProcessSpec, toArgv } from '../../server/app-process-spec.js';

/**
 * N app processes, each on its own loopback port: the talk's 0.3 "two (or more) instances of
 * CherryPy to take advantage of multi-core". Each is `node dist/cli/main.js app-server <spec>`,
 * sharing nothing with the others but the database and the session store its spec names.
 */
export interface AppPoolOptions {
  workers: number;
  runDir: string;
  /** Every process's spec but its port, which each gets from startOnPort. */
  spec: Omit<AppProcessSpec, 'port'>;
  /** Role prefix: app-1, app-2, … */
  role?: string;
}

export interface AppPool {
  ports: number[];
  services: Service[];
  processes(): ProcessInfo[];
  stop(): Promise<void>;
}

/** Starts one app process from its spec under the supervisor; started once its port accepts. */
export function startAppProcess(
  spec: AppProcessSpec,
  role: string,
  runDir: string,
  logName = role,
): Promise<Service> {
  return startService({
    role,
    command: process.execPath,
    args: [CLI_ENTRY, ...toArgv(spec)],
    logFile: join(runDir, `${logName}.log`),
    readyPort: spec.port,
    readyHost: spec.host,
    readyTimeoutMs: 15_000,
  });
}

export async function startAppPool(opts: AppPoolOptions): Promise<AppPool> {
  const role = opts.role ?? 'app';
  // In parallel: each process pays Node's start-up (~45 ms CPU, more with NODE_EXTRA_CA_CERTS).
  const results = await Promise.allSettled(
    Array.from({ length: opts.workers }, (_, i) =>
      startOnPort(undefined, (port) =>
        startAppProcess({ ...opts.spec, port }, `${role}-${i + 1}`, opts.runDir),
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
