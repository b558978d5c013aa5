import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { FkError } from '../errors.js';
import { canConnect } from './free-port.js';

/** A long-running process of a topology, for /proc CPU sampling and stopping by PID. */
export interface ProcessInfo {
  /** What the process is in the topology: 'nginx', 'app-1', 'memcached', 'redis', 'lighttpd', ... */
  role: string;
  pid: number;
}

export interface ServiceSpec {
  /** Role in the topology ('nginx', 'app-1', 'redis', ...). */
  role: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr of the process go here. */
  logFile: string;
  /** Considered started once this loopback port accepts connections. */
  readyPort?: number;
  readyHost?: string;
  readyTimeoutMs?: number;
  /** What stop() sends first (default SIGTERM); PostgreSQL's fast shutdown is SIGINT. */
  stopSignal?: NodeJS.Signals;
}

export interface Service {
  role: string;
  pid: number;
  logFile: string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL to its process group after graceMs. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Service>();

/**
 * Starts daemons in the foreground under our own supervision (PID 1 here is not systemd), each in
 * its own process group so that a daemon's workers (nginx) go with it, and only those we started.
 */
export async function startService(spec: ServiceSpec): Promise<Service> {
  const fd = openSync(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: -1, signal: null }));
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (err) =>
      reject(new FkError('E_PREREQ_MISSING', `cannot start ${spec.role} (${spec.command}): ${err.message}`)),
    );
  });
  const pid = child.pid!;
  const service: Service = {
    role: spec.role,
    pid,
    logFile: spec.logFile,
    exited,
    isRunning: () => running,
    stop: async (graceMs = 3000) => {
      live.delete(service);
      if (!running) return;
      signalGroup(pid, spec.stopSignal ?? 'SIGTERM');
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([exited, timer])) === 'timeout') {
        signalGroup(pid, 'SIGKILL');
        await exited;
      }
      // nginx workers and the like: make sure nothing of the group outlives its leader.
      signalGroup(pid, 'SIGKILL');
    },
  };
  live.add(service);
  if (spec.readyPort !== undefined) {
    await waitForPort(service, spec.readyPort, spec.readyHost ?? '127.0.0.1', spec.readyTimeoutMs ?? 10_000);
  }
  return service;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function waitForPort(service: Service, port: number, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!service.isRunning()) {
      throw new FkError(
        'E_PROCESS_EXITED',
        `${service.role} exited during start-up: ${tailOf(service.logFile)}`,
      );
    }
    if (await canConnect(port, host, 250)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  await service.stop(500);
  throw new FkError(
    'E_START_TIMEOUT',
    `${service.role} did not listen on ${host}:${port} within ${timeoutMs} ms (log: ${service.logFile})`,
  );
}

/** Last lines of a log, for error messages. */
export function tailOf(logFile: string, lines = 5): string {
  try {
    const text = readFileSync(logFile, 'utf8').trim().split('\n').slice(-lines).join(' | ');
    return text === '' ? `(empty log ${logFile})` : `${text} (log: ${logFile})`;
  } catch {
    return `(no log at ${logFile})`;
  }
}

export function describe(services: Service[]): ProcessInfo[] {
  return services.filter((s) => s.isRunning()).map((s) => ({ role: s.role, pid: s.pid }));
}

/** Stops every service still running (used by the CLI's signal handlers and by tests). */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}

/** Last resort on process exit: synchronous SIGKILL of whatever we started and still runs. */
export function killAllServicesSync(): void {
  for (const s of live) if (s.isRunning()) signalGroup(s.pid, 'SIGKILL');
  live.clear();
}
