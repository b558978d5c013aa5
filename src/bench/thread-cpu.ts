import { readFileSync } from 'node:fs';

/**
 * CPU seconds used by the calling OS thread (Linux /proc/thread-self/stat, utime + stime in clock
 * ticks of 10 ms), or undefined elsewhere. process.cpuUsage() counts the whole process; Node 20
 * has no per-thread counter, and the self-check needs to know which worker ran out of CPU.
 */
const TICKS_PER_S = 100; // CLK_TCK on Linux

export function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime + stime) ? (utime + stime) / TICKS_PER_S : undefined;
  } catch {
    return undefined;
  }
}
