import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { FkError } from '../errors.js';
import { childPids, cmdlineOf } from '../proc/stat.js';
import { type Prerequisite, requireBinary } from './prereq.js';
import { type ProcessInfo, type Service, startService } from './supervisor.js';

export const NGINX_PREREQ: Prerequisite = { binary: 'nginx', debianPackage: 'nginx' };

/** nginx's *_temp_path directories, each DIR/<name>_temp: the config names them, runNginx creates them. */
export const NGINX_TEMP_PATHS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'] as const;

/**
 * As root, nginx workers would drop to `nobody` and could then neither write the 0700 run
 * directory's temp paths nor read files under /root: keep them as root (tested in stage-nginx).
 */
export function nginxUser(): string | undefined {
  return process.getuid?.() === 0 ? 'root' : undefined;
}

export interface NginxRun {
  /** nginx's prefix: the config, its pid, logs and temp paths live here. */
  runDir: string;
  /** The rendered nginx.conf (stages/common/nginx-conf.ts). */
  conf: string;
  listenHost: string;
  listenPort: number;
  workerProcesses: number | 'auto';
}

/**
 * Writes the config into the run directory and starts nginx in the foreground under the
 * Supervisor: `nginx -p DIR -c DIR/nginx.conf -e DIR/error.log`. `-e` matters: without it nginx
 * opens /var/log/nginx/error.log before it has read our config (field notes).
 */
export async function runNginx(run: NginxRun, role = 'nginx'): Promise<Service> {
  const bin = requireBinary(NGINX_PREREQ);
  const dir = run.runDir;
  mkdirSync(dir, { recursive: true });
  for (const t of NGINX_TEMP_PATHS) mkdirSync(join(dir, `${t}_temp`), { recursive: true });
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, run.conf);
  const master = await startService({
    role,
    command: bin,
    args: ['-p', dir, '-c', confPath, '-e', join(dir, 'error.log')],
    logFile: join(dir, 'nginx.out.log'),
    readyPort: run.listenPort,
    readyHost: run.listenHost,
  });
  const workers = run.workerProcesses === 'auto' ? availableParallelism() : run.workerProcesses;
  await untilWorkersForked(master, workers);
  return master;
}

/**
 * The master binds the listen socket before it forks its workers, so "the port accepts" comes
 * first: a connection then waits in the backlog, and the processes listed for CPU sampling would
 * miss the workers (seen once in CI). Started means the workers exist.
 */
async function untilWorkersForked(master: Service, workers: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const forked = nginxProcesses(master).filter((p) => /-worker-\d+$/.test(p.role)).length;
    if (forked >= workers) return;
    if (!master.isRunning() || Date.now() > deadline) {
      await master.stop(500);
      throw new FkError(
        'E_START_TIMEOUT',
        `nginx forked ${forked} of ${workers} worker processes within ${timeoutMs} ms (log: ${master.logFile})`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Checks a config with `nginx -t` arguments (used by tests): the same flags as runNginx. */
export function nginxTestArgs(dir: string): string[] {
  return ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
}

/**
 * The nginx master and its workers, for per-process CPU sampling. Workers are the master's children;
 * /proc/<pid>/task/<pid>/children needs CONFIG_PROC_CHILDREN, so scan /proc/<n>/stat for the ppid.
 */
export function nginxProcesses(master: Service, role = 'nginx'): ProcessInfo[] {
  if (!master.isRunning()) return [];
  const out: ProcessInfo[] = [{ role, pid: master.pid }];
  let workers = 0;
  for (const pid of childPids(master.pid)) {
    // nginx names its children in their argv: "nginx: worker process", "nginx: cache manager process".
    const title = cmdlineOf(pid);
    if (/cache manager/.test(title)) out.push({ role: `${role}-cache-manager`, pid });
    else if (/cache loader/.test(title)) out.push({ role: `${role}-cache-loader`, pid });
    else out.push({ role: `${role}-worker-${++workers}`, pid });
  }
  return out;
}
