/**
 * The machine under a lab: its busy ticks (/proc/stat) and this process's own (/proc/self/stat:
 * the load generator, every worker thread included). A lab host's cgroup sees only its own
 * processes, so without this a fleet on a shared box cannot tell that something else was busy —
 * the repeatability runs of bench/README.md read size 1 anywhere from 47 to 200/s while other
 * labs ran. labCpuMeter turns two samples into "other processes" = machine − lab hosts − generator.
 */
import { readFileSync } from 'node:fs';
import { parseProcStat } from '../proc/stat.js';
import { readSystemStat } from '../proc/system-stat.js';

export interface MachineSample {
  /** Ticks of every core, busy (not idle, not iowait) and in all (proc(5)). */
  busyTicks: number;
  totalTicks: number;
  cores: number;
  /** utime + stime of this process, in the same ticks. */
  selfTicks: number;
}

export type MachineSampler = () => MachineSample | undefined;

/** This machine, read from `procDir` (a fake proc dir in tests). */
export function machineSampler(procDir = '/proc'): MachineSampler {
  return () => {
    try {
      const sys = readSystemStat(procDir);
      const self = parseProcStat(readFileSync(`${procDir}/self/stat`, 'latin1'));
      if (self === undefined || sys.perCore.length === 0) return undefined;
      return {
        busyTicks: sys.all.busy,
        totalTicks: sys.all.total,
        cores: sys.perCore.length,
        selfTicks: self.utime + self.stime,
      };
    } catch {
      return undefined;
    }
  };
}

/**
 * Cores between two samples: the generator's, and what is left of the machine's busy cores once
 * the lab's own hosts (`labCores`, from their cgroups) and the generator are taken off. Pure.
 * Every figure is a share of the ticks all cores had between the samples, × cores: no tick rate,
 * no wall clock.
 */
export function machineCores(
  a: MachineSample,
  b: MachineSample,
  labCores: number,
): { cores: number; generatorCores: number; otherCores: number } | undefined {
  const total = b.totalTicks - a.totalTicks;
  if (!(total > 0)) return undefined;
  const cores = (ticks: number) => (Math.max(0, ticks) / total) * b.cores;
  const busy = cores(b.busyTicks - a.busyTicks);
  const generatorCores = cores(b.selfTicks - a.selfTicks);
  return {
    cores: b.cores,
    generatorCores: round3(generatorCores),
    otherCores: round3(Math.max(0, busy - labCores - generatorCores)),
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
