import { readFileSync } from 'node:fs';

/** The machine's CPU time and task count from /proc/stat (proc(5)), for busy-core and fork figures. */
export interface SystemStat {
  /** Aggregate and per-core [busy, total] ticks; busy excludes idle and iowait. */
  all: { busy: number; total: number };
  perCore: Array<{ busy: number; total: number }>;
  /** Tasks created since boot: fork() and clone(), so a new Node process counts with its threads. */
  processes: number;
}

/** /proc/stat: the `cpu` lines (user nice system idle iowait irq softirq steal ...) and `processes`. */
export function parseSystemStat(text: string): SystemStat {
  const out: SystemStat = { all: { busy: 0, total: 0 }, perCore: [], processes: 0 };
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const key = parts[0] ?? '';
    if (key.startsWith('cpu')) {
      // guest and guest_nice are already counted in user and nice: sum the first 8 only.
      const v = parts.slice(1, 9).map(Number);
      const total = v.reduce((a, b) => a + b, 0);
      const idle = (v[3] ?? 0) + (v[4] ?? 0);
      const entry = { busy: total - idle, total };
      if (key === 'cpu') out.all = entry;
      else out.perCore.push(entry);
    } else if (key === 'processes') {
      out.processes = Number(parts[1]);
    }
  }
  return out;
}

/** /proc/stat of this machine (or of a fake proc dir in tests). */
export function readSystemStat(procDir = '/proc'): SystemStat {
  return parseSystemStat(readFileSync(`${procDir}/stat`, 'utf8'));
}
