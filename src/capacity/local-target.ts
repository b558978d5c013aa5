/**
 * A stage of the ladder on this machine as a capacity target: size = app processes (--workers),
 * CPU per role from /proc (the ladder's sampler), the machine's cores as the shared budget. On one
 * machine the answer is usually "the whole machine is the limit": the generator, nginx and every
 * app process share its cores. That is the truth a single box tells; stage fleet tells more.
 */
import { join } from 'node:path';
import type { ProcessInfo } from '../daemons/supervisor.js';
import { FkError } from '../errors.js';
import { ProcSampler } from '../ladder/proc-sampler.js';
import type { CheckedStage } from '../stages/registry.js';
import type { StageOptions } from '../stages/stage.js';
import type { OpenTarget } from '../store/db-target.js';
import { localParts } from './local-parts.js';
import type { CapacityTarget, CpuMeter, RunningTarget } from './target.js';

export interface LocalTargetOptions {
  stage: CheckedStage;
  db: OpenTarget;
  users: number;
  cores: number;
  /** The database server's processes when it is ours to sample (the project's own PostgreSQL). */
  dbProcesses: () => ProcessInfo[];
  /** Our own PID (the generator's CPU is told apart) and the kernel's clock ticks per second. */
  selfPid: number;
  ticksPerS: number;
  /** Each start gets its own run directory under this one (configs and logs are kept). */
  runDir: string;
  sessions?: StageOptions['sessions'];
  log?: (line: string) => void;
}

/**
 * A stage follows --workers when its database clients do (one per app process): nginx, memcached,
 * cluster, nginx-static, proxy-cache. single and cgi have one size.
 */
export function isScalable(stage: CheckedStage, db: OpenTarget): boolean {
  return stage.dbClients({ db, workers: 1 }) !== stage.dbClients({ db, workers: 2 });
}

export function localTarget(o: LocalTargetOptions): CapacityTarget {
  const scalable = isScalable(o.stage, o.db);
  // Beyond 2 processes per core a local stage measures the scheduler, not the topology.
  const maxSize = scalable ? 2 * o.cores : 1;
  let starts = 0;
  return {
    info: {
      kind: 'stage',
      name: o.stage.name,
      sizeUnit: 'app processes',
      maxSize,
      staticFrom: o.stage.staticFrom,
      users: o.users,
    },
    async start(size, { protect }): Promise<RunningTarget> {
      if (!Number.isInteger(size) || size < 1 || size > maxSize)
        throw new FkError(
          'E_USAGE',
          `stage ${o.stage.name} runs at 1 to ${maxSize} app processes, not ${size}`,
        );
      starts += 1;
      const running = await o.stage.start({
        db: o.db,
        ...(scalable ? { workers: size } : {}),
        ...(o.sessions === undefined ? {} : { sessions: o.sessions }),
        ...(protect === undefined ? {} : { protect }),
        runDir: join(
          o.runDir,
          `${String(starts).padStart(2, '0')}-${o.stage.name}-${size}${protect ? '-protect' : ''}`,
        ),
        ...(o.log ? { log: o.log } : {}),
      });
      return {
        size,
        url: running.url,
        cpu: (): CpuMeter => {
          const sampler = new ProcSampler(() => [...running.processes(), ...o.dbProcesses()], {
            selfPid: o.selfPid,
            ticksPerS: o.ticksPerS,
          });
          sampler.start();
          return {
            window: (from, to) => {
              const c = sampler.window(from, to);
              return c === undefined ? undefined : localParts(c, size);
            },
            stop: () => sampler.stop(),
          };
        },
        stop: () => running.stop(),
      };
    },
  };
}
