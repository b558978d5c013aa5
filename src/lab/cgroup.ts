import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FkError } from '../errors.js';

/**
 * A host's CPU quota and memory limit live in a cgroup. Both interfaces exist in the field:
 * v1 (this machine: one mount per controller, cpu.cfs_quota_us, memory.limit_in_bytes) and v2
 * (one unified tree, cpu.max, memory.max, controllers enabled per level in cgroup.subtree_control).
 * See the kernel's Documentation/admin-guide/cgroup-v1/ and cgroup-v2.rst.
 *
 * Everything here is a path or a write computed from a layout, so both versions are unit-tested
 * against a fake root dir; applyCgroupOps() is the only code that writes.
 */
export type CgroupLayout =
  | { version: 1; cpu: string; cpuacct: string; memory: string }
  | { version: 2; root: string };

/** CFS period: the kernel default, 100 ms; a quota is a share of it (sched-bwc.rst). */
export const CFS_PERIOD_US = 100_000;

/**
 * v2 when the root itself is a cgroup2 mount (it has cgroup.controllers) with cpu and memory;
 * v1 when cpu and memory controllers are mounted below it. A hybrid machine (v1 controllers plus
 * an empty cgroup2 at unified/) is v1: that is where its cpu and memory controllers are.
 */
export function detectCgroupLayout(root: string, exists: (p: string) => boolean = existsSync): CgroupLayout {
  if (exists(join(root, 'cgroup.controllers'))) {
    const controllers = readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/);
    if (controllers.includes('cpu') && controllers.includes('memory')) return { version: 2, root };
    throw new FkError('E_LAB_CGROUP', `cgroup v2 at ${root} lacks the cpu or memory controller`);
  }
  const cpu = join(root, 'cpu');
  const memory = join(root, 'memory');
  if (exists(join(cpu, 'cpu.cfs_quota_us')) && exists(join(memory, 'memory.limit_in_bytes'))) {
    // cpuacct is often co-mounted with cpu ("cpu,cpuacct"); then its files sit in the cpu dir.
    const cpuacct = exists(join(root, 'cpuacct', 'cpuacct.usage')) ? join(root, 'cpuacct') : cpu;
    return { version: 1, cpu, cpuacct, memory };
  }
  throw new FkError('E_LAB_CGROUP', `no cgroup cpu and memory controllers under ${root}`);
}

/** The directory of one cgroup in every hierarchy it lives in (one for v2, one per controller for v1). */
export function cgroupDirs(layout: CgroupLayout, rel: string): string[] {
  if (layout.version === 2) return [join(layout.root, rel)];
  return [...new Set([layout.cpu, layout.cpuacct, layout.memory])].map((h) => join(h, rel));
}

/** Writing a PID to each of these moves it (and its future children) into the cgroup. */
export const procsFiles = (layout: CgroupLayout, rel: string) =>
  cgroupDirs(layout, rel).map((d) => join(d, 'cgroup.procs'));

export type CgroupOp = { op: 'mkdir'; path: string } | { op: 'write'; path: string; value: string };

export interface CgroupLimits {
  cpu: number;
  memoryBytes: number;
}

export const quotaUs = (cpu: number) => Math.max(1000, Math.round(cpu * CFS_PERIOD_US));

/** Creating a host's cgroup with its limits, in order. `rel` is e.g. flickr-killr-lab/NAME/HOST. */
export function createCgroupOps(layout: CgroupLayout, rel: string, limits: CgroupLimits): CgroupOp[] {
  const ops: CgroupOp[] = [];
  if (layout.version === 1) {
    for (const d of cgroupDirs(layout, rel)) ops.push({ op: 'mkdir', path: d });
    const cpu = join(layout.cpu, rel);
    const mem = join(layout.memory, rel);
    ops.push({ op: 'write', path: join(cpu, 'cpu.cfs_period_us'), value: String(CFS_PERIOD_US) });
    ops.push({ op: 'write', path: join(cpu, 'cpu.cfs_quota_us'), value: String(quotaUs(limits.cpu)) });
    ops.push({ op: 'write', path: join(mem, 'memory.limit_in_bytes'), value: String(limits.memoryBytes) });
    return ops;
  }
  // v2: a controller is usable in a child only once every ancestor lists it in subtree_control
  // ("top-down constraint"); only leaves hold processes ("no internal process" rule).
  const parts = rel.split('/');
  let dir = layout.root;
  for (const part of parts) {
    ops.push({ op: 'write', path: join(dir, 'cgroup.subtree_control'), value: '+cpu +memory' });
    dir = join(dir, part);
    ops.push({ op: 'mkdir', path: dir });
  }
  ops.push({ op: 'write', path: join(dir, 'cpu.max'), value: `${quotaUs(limits.cpu)} ${CFS_PERIOD_US}` });
  ops.push({ op: 'write', path: join(dir, 'memory.max'), value: String(limits.memoryBytes) });
  return ops;
}

/** Counters of one cgroup: CPU time, throttling, memory, member processes. */
export interface CgroupSample {
  usageUs: number;
  periods: number;
  throttledPeriods: number;
  throttledUs: number;
  memoryBytes: number;
  pids: number[];
}

/** `key value` lines (cpu.stat, memory.stat) into a map. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) m.set(k, Number(v));
  }
  return m;
}

export function parsePids(text: string): number[] {
  return text
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
}

type Read = (path: string) => string;

export function sampleCgroup(layout: CgroupLayout, rel: string, read: Read): CgroupSample {
  const pids = new Set<number>();
  for (const f of procsFiles(layout, rel)) for (const p of parsePids(read(f))) pids.add(p);
  if (layout.version === 2) {
    const dir = join(layout.root, rel);
    const stat = parseFlatKeyed(read(join(dir, 'cpu.stat')));
    return {
      usageUs: stat.get('usage_usec') ?? 0,
      periods: stat.get('nr_periods') ?? 0,
      throttledPeriods: stat.get('nr_throttled') ?? 0,
      throttledUs: stat.get('throttled_usec') ?? 0,
      memoryBytes: Number(read(join(dir, 'memory.current')).trim()) || 0,
      pids: [...pids],
    };
  }
  // v1: cpuacct.usage in ns; cpu.stat's throttled_time in ns.
  const stat = parseFlatKeyed(read(join(layout.cpu, rel, 'cpu.stat')));
  return {
    usageUs: Math.round(Number(read(join(layout.cpuacct, rel, 'cpuacct.usage')).trim()) / 1000) || 0,
    periods: stat.get('nr_periods') ?? 0,
    throttledPeriods: stat.get('nr_throttled') ?? 0,
    throttledUs: Math.round((stat.get('throttled_time') ?? 0) / 1000),
    memoryBytes: Number(read(join(layout.memory, rel, 'memory.usage_in_bytes')).trim()) || 0,
    pids: [...pids],
  };
}

/** Every PID in the cgroup, from every hierarchy (a PID can be moved in one and not another). */
export function cgroupPids(layout: CgroupLayout, rel: string, read: Read): number[] {
  const pids = new Set<number>();
  for (const f of procsFiles(layout, rel)) {
    try {
      for (const p of parsePids(read(f))) pids.add(p);
    } catch {
      // that hierarchy's dir is already gone
    }
  }
  return [...pids];
}
