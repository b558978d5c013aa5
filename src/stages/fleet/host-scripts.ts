import { quoteArg, quoteArgv } from '../../remote/shell-quote.js';
import type { HostPlan } from './plan.js';

/**
 * Every command the fleet runs on a host, built here as data (tested by equality) and run by
 * start.ts over the host's one ssh connection. Each step is one ssh command, so that a host with
 * a 0.1-core quota pays for one session (sshd forks inside the host's cgroup), not twenty.
 */

/** POSIX sh, written to `sh -s` on the host's stdin: no length limit, no second layer of quoting. */
export const SHELL = ['sh', '-s'] as const;

const q = quoteArg;

/**
 * Folders, initdb when the db host's data directory is new, then every config file — each
 * written to a temp name and renamed, so a reader never sees half a file. Only paths of the plan,
 * all inside the host's own folders.
 */
export function prepareScript(h: HostPlan): string {
  const lines = ['set -e', 'umask 022'];
  for (const d of h.dirs) {
    lines.push(`mkdir -p ${q(d.path)}`, `chmod ${d.mode.toString(8)} ${q(d.path)}`);
    if (d.owner !== undefined && h.root) lines.push(`chown ${q(d.owner)}: ${q(d.path)}`);
  }
  // Program files of an earlier run (a deploy's releases) go: this start's plan is the whole truth.
  lines.push(`rm -f ${q(h.paths.supervisorDir)}/programs.d/*.conf`);
  if (h.initdb !== undefined) {
    const pgVersion = `${h.paths.pgData}/PG_VERSION`;
    // cd /: initdb as postgres cannot enter root's home, where the ssh session starts.
    lines.push(`if [ ! -f ${q(pgVersion)} ]; then (cd / && ${quoteArgv(h.initdb)} >/dev/null); fi`);
  }
  for (const f of h.files) {
    const tmp = `${f.path}.fk-tmp`;
    lines.push(`printf '%s' ${q(f.content)} > ${q(tmp)}`, `chmod ${f.mode.toString(8)} ${q(tmp)}`);
    if (f.owner !== undefined && h.root) lines.push(`chown ${q(f.owner)}: ${q(tmp)}`);
    lines.push(`mv -f ${q(tmp)} ${q(f.path)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Plain sh, no supervisorctl: a Python start costs ~0.15 CPU-s, 1.5 s of a 0.1-core host. The
 * pid file says whether a supervisord of this config runs; SIGTERM makes it stop its programs in
 * reverse priority (each with its stopsignal, SIGKILL after stopwaitsecs) and exit, removing its
 * pid file and socket. Prints `stopped-leftover` when there was one.
 */
function stopRunning(h: HostPlan, waitS: number): string[] {
  const pidfile = q(h.paths.supervisorPid);
  return [
    `pid=$(cat ${pidfile} 2>/dev/null || true)`,
    // A stale pid file may name a process that reused the pid — on a lab host (no PID namespace)
    // even another host's supervisord, with the same paths: it is ours only if it runs this
    // config in this host's mount namespace.
    'if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \\',
    `  && grep -qF -- ${q(h.paths.supervisorConf)} "/proc/$pid/cmdline" 2>/dev/null \\`,
    '  && [ "$(readlink "/proc/$pid/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ]; then',
    '  kill -TERM "$pid"',
    `  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt ${waitS * 10} ]; do sleep 0.1; i=$((i+1)); done`,
    '  if kill -0 "$pid" 2>/dev/null; then echo "supervisord $pid did not stop within ' +
      waitS +
      ' s" >&2; exit 3; fi',
    '  echo stopped-leftover',
    'fi',
  ];
}

/**
 * supervisord -c CONF forks into the background once its socket is bound (a leftover one of the
 * same config is stopped first); then the loop waits for its pid file and socket (exit 4 if they
 * never come) and prints its pid. Programs with autostart start now, by priority.
 */
export function bootScript(h: HostPlan): string {
  const sock = q(h.paths.supervisorSocket);
  const pidfile = q(h.paths.supervisorPid);
  return `${[
    ...stopRunning(h, 70),
    // Left by a supervisord that was killed: the loop below must wait for the new ones.
    `rm -f ${pidfile} ${sock}`,
    `${q(h.supervisord)} -c ${q(h.paths.supervisorConf)}`,
    `i=0; until [ -S ${sock} ] && [ -s ${pidfile} ]; do`,
    '  i=$((i+1)); if [ $i -gt 100 ]; then echo "supervisord did not come up within 10 s" >&2; exit 4; fi',
    '  sleep 0.1',
    'done',
    `echo "supervisord=$(cat ${pidfile})"`,
  ].join('\n')}\n`;
}

/** Every program stopped (in reverse priority), then supervisord; a host with none running has nothing to do. */
export function shutdownScript(h: HostPlan): string {
  return `${stopRunning(h, 90).join('\n')}\n`;
}

/** `supervisorctl -c CONF ARGS…` as an argv (start and stop wait for the programs' state). */
export function supervisorctlArgv(h: HostPlan, ...args: string[]): string[] {
  return [h.supervisorctl, '-c', h.paths.supervisorConf, ...args];
}

/** The last lines of a program's log, for an error that says why it did not start. */
export function logTailArgv(log: string, lines = 15): string[] {
  return ['tail', '-n', String(lines), log];
}

export interface ProgramStatus {
  name: string;
  state: string;
  pid?: number;
  /** The rest of the line: uptime, or why it exited. */
  detail: string;
}

/** `supervisorctl status` lines: "app-1   RUNNING   pid 123, uptime 0:00:05". */
export function parseStatus(text: string): ProgramStatus[] {
  const out: ProgramStatus[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+([A-Z]+)\s*(.*)$/.exec(line.trim());
    if (m === null) continue;
    const pid = /pid (\d+)/.exec(m[3]!)?.[1];
    out.push({ name: m[1]!, state: m[2]!, ...(pid ? { pid: Number(pid) } : {}), detail: m[3]! });
  }
  return out;
}
