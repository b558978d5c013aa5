/**
 * CPU of every process of a stage, sampled from /proc during a benchmark (proc(5)).
 *
 * A stage lists its long-running processes; their descendants (nginx workers, CGI scripts that live
 * 30 ms) are found by ppid chain or process group (the supervisor starts each service in its own
 * group). Short-lived children are mostly never seen alive, but their parent reaps them, and the
 * kernel adds a reaped child's CPU to the parent's cutime/cstime. So a group's CPU at an instant is
 * Σ over its live members of utime+stime+cutime+cstime: it grows by exactly what the group used,
 * including children born and reaped between two samples.
 */

import type { ProcessInfo } from '../daemons/supervisor.js';
import { type ProcStat, readProcesses } from '../proc/stat.js';
import { readSystemStat, type SystemStat } from '../proc/system-stat.js';
import type { CpuBreakdown } from '../report/report-types.js';

export interface Snapshot {
  t: number;
  /** Ticks per group ('nginx', 'lighttpd/children', ...). */
  groups: Map<string, number>;
  /** PIDs alive in each group at this instant. */
  pids: Map<string, Set<number>>;
  selfTicks: number;
  system: SystemStat;
}

/**
 * Assigns processes to the stage's roles. A descendant with the root's own command name (nginx
 * workers) counts as the role; one with another name (node CGI scripts under lighttpd) and every
 * reaped child (cutime) count as '<role>/children'.
 */
export function attribute(
  procs: ProcStat[],
  roots: ProcessInfo[],
  selfPid: number,
): Omit<Snapshot, 't' | 'system'> {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const rootRole = new Map(roots.map((r) => [r.pid, r.role]));
  const groups = new Map<string, number>();
  const pids = new Map<string, Set<number>>();
  const add = (g: string, ticks: number, pid?: number) => {
    groups.set(g, (groups.get(g) ?? 0) + ticks);
    if (pid !== undefined) {
      if (!pids.has(g)) pids.set(g, new Set());
      pids.get(g)!.add(pid);
    }
  };
  for (const r of roots) add(r.role, 0);
  const rootOf = (p: ProcStat): number | undefined => {
    let cur: ProcStat | undefined = p;
    for (let depth = 0; cur !== undefined && depth < 64; depth++) {
      if (rootRole.has(cur.pid)) return cur.pid;
      if (rootRole.has(cur.pgrp)) return cur.pgrp;
      if (cur.ppid <= 1 || cur.pid === selfPid) return undefined;
      cur = byPid.get(cur.ppid);
    }
    return undefined;
  };
  let selfTicks = 0;
  for (const p of procs) {
    if (p.pid === selfPid) {
      selfTicks = p.utime + p.stime;
      continue;
    }
    const root = rootOf(p);
    if (root === undefined) continue;
    const role = rootRole.get(root)!;
    const rootComm = byPid.get(root)?.comm;
    const own = p.pid === root || p.comm === rootComm;
    add(own ? role : `${role}/children`, p.utime + p.stime, p.pid);
    if (p.cutime + p.cstime > 0) add(`${role}/children`, p.cutime + p.cstime);
  }
  return { groups, pids, selfTicks };
}

/** CPU between two snapshots, in the report's terms. */
export function cpuBetween(a: Snapshot, b: Snapshot, ticksPerS: number): CpuBreakdown {
  const windowS = Math.max((b.t - a.t) / 1000, 1e-9);
  const cores = Math.max(b.system.perCore.length, 1);
  const roles = [...b.groups.keys()].map((role) => {
    const cpuS = Math.max(0, (b.groups.get(role) ?? 0) - (a.groups.get(role) ?? 0)) / ticksPerS;
    return { role, cpuS, cores: cpuS / windowS, pids: b.pids.get(role)?.size ?? 0 };
  });
  const stageCores = roles.reduce((s, r) => s + r.cores, 0);
  const generatorCores = Math.max(0, b.selfTicks - a.selfTicks) / ticksPerS / windowS;
  const busyShare = (x: { busy: number; total: number }, y: { busy: number; total: number }) =>
    y.total > x.total ? Math.min(1, Math.max(0, (y.busy - x.busy) / (y.total - x.total))) : 0;
  const perCoreBusy = b.system.perCore.map((c, i) => busyShare(a.system.perCore[i] ?? c, c));
  const machineBusyCores = busyShare(a.system.all, b.system.all) * cores;
  return {
    windowS,
    cores,
    roles,
    generatorCores,
    otherCores: Math.max(0, machineBusyCores - stageCores - generatorCores),
    machineBusyCores,
    perCoreBusy,
    forks: Math.max(0, b.system.processes - a.system.processes),
  };
}

/**
 * Samples every `intervalMs` until stopped; window(from, to) answers for any part of the run, so
 * the ladder can cut the bench's warm-up out afterwards without knowing when it ended.
 */
export class ProcSampler {
  private readonly snapshots: Snapshot[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly roots: () => ProcessInfo[],
    private readonly opts: { intervalMs?: number; selfPid: number; ticksPerS: number; procDir?: string },
  ) {}

  sample(): Snapshot {
    const dir = this.opts.procDir ?? '/proc';
    const snap: Snapshot = {
      ...attribute(readProcesses(dir), this.roots(), this.opts.selfPid),
      t: Date.now(),
      system: readSystemStat(dir),
    };
    this.snapshots.push(snap);
    return snap;
  }

  /** A sample that cannot be taken (no /proc: not Linux) leaves the run without CPU figures, not failed. */
  private trySample(): void {
    try {
      this.sample();
    } catch {
      // window() then answers undefined and the diagnosis says it has no CPU samples
    }
  }

  start(): void {
    this.trySample();
    this.timer = setInterval(() => this.trySample(), this.opts.intervalMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.trySample();
  }

  /**
   * CPU between the snapshots nearest to `fromMs` and `toMs` (epoch ms). A role's PIDs are all those
   * seen alive in the window: a CGI child caught once still counts as churn.
   */
  window(fromMs: number, toMs: number): CpuBreakdown | undefined {
    if (this.snapshots.length < 2) return undefined;
    const nearest = (t: number) =>
      this.snapshots.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
    const a = nearest(fromMs);
    const b = nearest(toMs);
    if (b.t <= a.t) return undefined;
    const seen = new Map<string, Set<number>>();
    for (const s of this.snapshots) {
      if (s.t < a.t || s.t > b.t) continue;
      for (const [g, set] of s.pids) {
        const acc = seen.get(g) ?? new Set<number>();
        for (const pid of set) acc.add(pid);
        seen.set(g, acc);
      }
    }
    return cpuBetween(a, { ...b, pids: seen }, this.opts.ticksPerS);
  }
}
