/**
 * The measured part of a run: the benchmark with /proc sampling around it, cut to the bench's
 * measured window (its warm-up is not in the CPU figures either).
 */
import type { BenchResultCore } from '../bench/index.js';
import type { CpuBreakdown } from '../report/report-types.js';
import type { RunningStage } from '../stages/stage.js';

import { ProcSampler } from './proc-sampler.js';
import type { LadderDeps, LadderInput } from './types.js';

/** The bench's URL-template seed: two ladder runs request the same users in the same order. */
export const BENCH_SEED = 2007;

export interface Measured {
  result: BenchResultCore;
  cpu?: CpuBreakdown;
}

/** Rejects when `signal` aborts, so a bench that ignores its signal cannot hold the ladder. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('interrupted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The same workload for every stage (the talk ran one benchmarker against every version):
 * logged-in virtual users viewing random users' pages with all their assets.
 */
export async function measureStage(
  runId: string,
  stage: RunningStage,
  input: LadderInput,
  deps: LadderDeps,
): Promise<Measured> {
  const { settings, signal } = input;
  const n = input.data.users;
  // The database server is part of the stack being measured (the talk's closing story: an RDBMS
  // gone CPU-bound), though it outlives each stage.
  const sampler = new ProcSampler(() => [...stage.processes(), ...input.dbProcesses()], {
    selfPid: deps.selfPid,
    ticksPerS: deps.ticksPerS,
  });
  sampler.start();
  let result: BenchResultCore;
  try {
    const progress = input.progress;
    result = await abortable(
      deps.runBench(
        {
          urls: [`${stage.url}/users/{1..${n}}`],
          page: true,
          connections: settings.connections,
          durationMs: settings.durationMs,
          warmupMs: settings.warmupMs,
          timeoutMs: settings.timeoutMs,
          login: `POST ${stage.url}/login user={1..${n}}`,
          seed: BENCH_SEED,
        },
        {
          signal,
          ...(progress
            ? {
                onProgress: (p) =>
                  progress(
                    `  ${runId}: ${(p.elapsedMs / 1000).toFixed(0)} s, ${p.requests} requests, ${p.errors} errors`,
                  ),
              }
            : {}),
        },
      ),
      signal,
    );
  } finally {
    sampler.stop();
  }
  const end = Date.now();
  // The window the bench measured (its warm-up cut off): the last durationS seconds.
  const cpu = sampler.window(end - result.durationS * 1000, end);
  return { result, ...(cpu ? { cpu } : {}) };
}
