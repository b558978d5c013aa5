import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { FkError } from '../../errors.js';
import { childPids } from '../../proc/stat.js';
import { requireBinary } from '../prereq.js';
import type { ProcessInfo } from '../stage.js';
import { type Service, startService } from '../supervisor.js';
import { NGINX_TEMP_PATHS, type NginxConfSpec, renderNginxConf } from './render-nginx-conf.js';

export const NGINX_PREREQ = { binary: 'nginx', debianPackage: 'nginx' } as const;

/**
 * Writes the rendered config into the run directory and starts nginx in the foreground under the
 * Supervisor: `nginx -p DIR -c DIR/nginx.conf -e DIR/error.log`. `-e` matters: without it nginx
 * opens /var/log/nginx/error.log before it has read our config (field notes).
 */
export async function runNginx(spec: Omit<NginxConfSpec, 'user'>, role = 'nginx'): Promise<Service> {
  const bin = requireBinary(NGINX_PREREQ);
  const dir = spec.runDir;
  mkdirSync(dir, { recursive: true });
  for (const t of NGINX_TEMP_PATHS) mkdirSync(join(dir, `${t}_temp`), { recursive: true });
  // As root, nginx workers would drop to `nobody` and could then neither write the 0700 run
  // directory's temp paths nor read files under /root: keep them as root (tested in stage-nginx).
  const user = process.getuid?.() === 0 ? 'root' : undefined;
  const conf = renderNginxConf({ ...spec, ...(user === undefined ? {} : { user }) });
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  const master = await startService({
    role,
    command: bin,
    args: ['-p', dir, '-c', confPath, '-e', join(dir, 'error.log')],
    logFile: join(dir, 'nginx.out.log'),
    readyPort: spec.listenPort,
    readyHost: spec.listenHost,
  });
  const workers = spec.workerProcesses === 'auto' ? availableParallelism() : spec.workerProcesses;
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

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
