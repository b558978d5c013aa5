import { execFileSync } from 'node:child_process';

/**
 * USER_HZ, the unit of utime/stime in /proc/<pid>/stat (proc(5)). 100 on every Linux build in
 * practice, but asking costs one `getconf` and rules out a silent factor error.
 */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}
