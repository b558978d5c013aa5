/**
 * The real collaborators of the ladder: the stages, the benchmarker, the index switch, /proc.
 * Tests pass fakes instead (test/unit/ladder/fake-stage.ts).
 */
import { runBench } from '../bench/index.js';
import { clockTicksPerSecond } from '../proc/stat.js';
import { loadStage } from '../stages/registry.js';
import { indexToggle } from '../store/database.js';
import { machineInfo } from './machine-info.js';
import { smokeCheck } from './smoke-check.js';
import type { LadderDeps } from './types.js';

/** `self` describes this process (the load generator's): its PID and Node version, from the CLI. */
export function defaultDeps(self: { pid: number; nodeVersion: string }): LadderDeps {
  return {
    loadStage,
    runBench,
    smokeCheck,
    index: { drop: (t) => indexToggle(t).drop(), create: (t) => indexToggle(t).create() },
    machineInfo: () => machineInfo(self.nodeVersion),
    selfPid: self.pid,
    ticksPerS: clockTicksPerSecond(),
  };
}
