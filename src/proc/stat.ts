/**
 * The kernel's process accounting, read from /proc (proc(5)): one parser of /proc/<pid>/stat for
 * the ladder's CPU sampler, the bench's per-thread self-check and the stages' child lookups.
 * Linux only; elsewhere the readers answer "nothing" rather than throw.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  comm: string;
  /** R running, S sleeping, D disk wait, Z zombie (exited, not yet reaped), T stopped, ... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks (clockTicksPerSecond()). */
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/** One line of /proc/<pid>/stat. comm may hold spaces and ')' so fields are split after the last ')'. */
export function parseProcStat(line: string): ProcStat | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  const rest = line
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const f = (n: number) => Number(rest[n - 3]);
  const stat = {
    pid,
    comm: line.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: f(4),
    pgrp: f(5),
    utime: f(14),
    stime: f(15),
    cutime: f(16),
    cstime: f(17),
  };
  return Number.isFinite(pid) && Number.isFinite(stat.cstime) ? stat : undefined;
}

/** Every process visible now. */
export function readProcesses(procDir = '/proc'): ProcStat[] {
  const out: ProcStat[] = [];
  let names: string[];
  try {
    names = readdirSync(procDir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const p = parseProcStat(readFileSync(`${procDir}/${name}/stat`, 'utf8'));
      if (p) out.push(p);
    } catch {
      // exited between readdir and read
    }
  }
  return out;
}

/** One process's stat, or undefined once it is gone. */
export function readProcess(pid: number, procDir = '/proc'): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`${procDir}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Running, and not a zombie: an exited child whose parent has not reaped it yet still has a /proc
 * entry (and PID 1 here, not systemd, may never reap an orphan), so "the PID exists" is not "alive".
 */
export function isRunning(pid: number, procDir = '/proc'): boolean {
  const p = readProcess(pid, procDir);
  return p !== undefined && p.state !== 'Z' && p.state !== 'X';
}

/** The real user id a process runs as (/proc/<pid>/status), or undefined once it is gone. */
export function processUid(pid: number, procDir = '/proc'): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`${procDir}/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The direct children of a process, oldest pid first (nginx workers, node:cluster workers). */
export function childPids(parent: number, procDir = '/proc'): number[] {
  return readProcesses(procDir)
    .filter((p) => p.ppid === parent)
    .map((p) => p.pid)
    .sort((a, b) => a - b);
}

/** A process's argv as one line (nginx names its children there: "nginx: worker process"); '' once gone. */
export function cmdlineOf(pid: number, procDir = '/proc'): string {
  try {
    return readFileSync(`${procDir}/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

let ticks: number | undefined;

/**
 * USER_HZ, the unit of utime/stime (proc(5)). 100 on every Linux build in practice, but asking once
 * per process costs one `getconf` and rules out a silent factor error.
 */
export function clockTicksPerSecond(): number {
  if (ticks !== undefined) return ticks;
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim());
    ticks = Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    ticks = 100;
  }
  return ticks;
}

/**
 * CPU clock ticks used by the calling OS thread (/proc/thread-self/stat), or undefined elsewhere.
 * process.cpuUsage() counts the whole process; Node 20 has no per-thread counter, and the bench's
 * self-check needs to know which worker thread ran out of CPU. Ticks, not seconds: the caller
 * converts once at the end, so no `getconf` runs before a benchmark's first request.
 */
export function threadCpuTicks(): number | undefined {
  try {
    const p = parseProcStat(readFileSync('/proc/thread-self/stat', 'latin1'));
    return p ? p.utime + p.stime : undefined;
  } catch {
    return undefined;
  }
}
