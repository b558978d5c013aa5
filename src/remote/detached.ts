import { FkError } from '../errors.js';
import type { Remote } from './remote.js';

/**
 * Starting a long-running process on a host over SSH so that it outlives the SSH session and
 * stays in the host's cgroup (it inherits sshd's, like every process started over SSH):
 * - `setsid`: a new session, so no hangup of the SSH session's process group reaches it;
 * - stdin from /dev/null, stdout/stderr to a log ON the host: sshd closes the channel once no
 *   process holds its pipes, so the ssh command returns at once instead of waiting on it;
 * - `&` then `echo $!`: a background child of a non-interactive sh is no process-group leader,
 *   so setsid(1) needs no fork and `$!` is the daemon's own PID.
 */
export const DETACH_SCRIPT = 'log=$1; shift; setsid "$@" </dev/null >>"$log" 2>&1 & echo $!';

export function detachedArgv(argv: readonly string[], logFile: string): string[] {
  return ['sh', '-c', DETACH_SCRIPT, 'fk-detach', logFile, ...argv];
}

/** Starts argv detached on the host; resolves to its PID there. */
export async function startDetached(
  remote: Remote,
  argv: readonly string[],
  logFile: string,
): Promise<number> {
  const r = await remote.exec(detachedArgv(argv, logFile), { timeoutMs: 15_000 });
  const pid = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isInteger(pid) || pid <= 0)
    throw new FkError(
      'E_REMOTE_COMMAND',
      `starting ${argv[0]} detached on ${remote.host.name} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`,
    );
  return pid;
}
