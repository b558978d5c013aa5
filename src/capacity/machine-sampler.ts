/**
 * The machine under a lab: its busy ticks (/proc/stat) and this process's own (/proc/self/stat:
 * the load generator, every worker thread included). A lab host's cgroup sees only its own
 * processes, so without this a fleet on a shared box cannot tell that something else was busy —
 * the repeatability runs of bench/README.md read size 1 anywhere from 47 to 200/s while other
 * labs ran. labCpuMeter turns two samples into "other processes" = machine − lab hosts − generator.
 */
import { readFileSync } from 'node:fs';
import { parseProcStat } from '../proc/stat.js';
import { parseSystemStat } from '../proc/system-stat.js';

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
      const sys = parseSystemStat(readFileSync(`${procDir}/stat`, 'utf8'));
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
 * Cores between two samples: the machine's busy cores, the generator's, and what is left once the
 * lab's own hosts (`labCores`, from their cgroups) are taken off. Pure. Ticks of the machine are
 * summed over its cores, so busy ÷ total × cores is busy cores whatever the tick rate; the
 * generator's ticks are converted with the same rate: total ticks ÷ cores ÷ seconds.
 */
export function machineCores(
  a: MachineSample,
  b: MachineSample,
  elapsedS: number,
  labCores: number,
): { machineBusyCores: number; generatorCores: number; otherCores: number } | undefined {
  const total = b.totalTicks - a.totalTicks;
  if (!(total > 0) || !(elapsedS > 0)) return undefined;
  const machineBusyCores = ((b.busyTicks - a.busyTicks) / total) * b.cores;
  const ticksPerS = total / b.cores / elapsedS;
  const generatorCores = Math.max(0, b.selfTicks - a.selfTicks) / ticksPerS / elapsedS;
  const otherCores = Math.max(0, machineBusyCores - labCores - generatorCores);
  return {
    machineBusyCores: round3(machineBusyCores),
    generatorCores: round3(generatorCores),
    otherCores: round3(otherCores),
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
