/**
 * One run of the ladder: prerequisites → start → smoke check → warm-up + benchmark (with /proc
 * sampling, cut to the bench's measured window) → stop → diagnose. Whatever happens, the stage is
 * stopped and a dropped index is recreated (try/finally), including on Ctrl-C.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResultCore } from '../bench/api.js';
import { isFkError } from '../errors.js';
import type { BenchSummary, StageRunReport } from '../report/report-types.js';
import { missingPrerequisites } from '../stages/prereq.js';
import type { RunningStage, StageName, StageOptions } from '../stages/stage.js';
import { BENCH_SEED } from './data.js';
import { diagnose, staticShare } from './diagnose.js';
import type { PlannedRun } from './plan.js';
import { ProcSampler } from './proc-sampler.js';
import type { LadderDeps, LadderInput } from './run-ladder.js';
import { TALK_FIGURES } from './talk-figures.js';

/** Where static files come from in each topology (diagnose uses it when the data cannot tell). */
const STATIC_FROM: Record<StageName, 'app' | 'front' | 'cache'> = {
  cgi: 'front',
  single: 'app',
  nginx: 'app',
  memcached: 'cache',
  cluster: 'app',
  'nginx-static': 'front',
  'proxy-cache': 'cache',
};

/** One line for the table: an FkError's message, or the first line of anything else. */
export function oneLine(e: unknown): string {
  const msg = isFkError(e) ? `${e.message} [${e.code}]` : e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 300);
}

function summarize(r: BenchResultCore, connections: number): BenchSummary {
  const {
    durationS,
    totals,
    rates,
    latency,
    pageLoad,
    classes,
    statusCodes,
    errors,
    serverTiming,
    generator,
  } = r;
  return {
    durationS,
    connections,
    totals,
    rates,
    latency,
    ...(pageLoad ? { pageLoad } : {}),
    classes,
    statusCodes,
    errors,
    serverTiming,
    generator,
  };
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

export async function runStage(
  run: PlannedRun,
  input: LadderInput,
  deps: LadderDeps,
): Promise<StageRunReport> {
  const { settings, signal, log } = input;
  const def = await deps.loadStage(run.stage);
  const talkRequestsPerS = TALK_FIGURES[run.id];
  const rep: StageRunReport = {
    id: run.id,
    stage: run.stage,
    label: run.label,
    ...(def.talkVersion ? { talkVersion: def.talkVersion } : {}),
    title: def.title,
    summary: def.summary,
    ...(run.variant ? { variant: run.variant } : {}),
    status: 'skipped',
    ...(talkRequestsPerS ? { talkRequestsPerS } : {}),
  };
  if (signal.aborted) return { ...rep, reason: 'interrupted before it started' };
  const runDir = join(input.outDir, 'stages', run.id);
  mkdirSync(runDir, { recursive: true });
  rep.logDir = join('stages', run.id);
  const stageOpts: StageOptions = {
    dbPath: settings.dbPath,
    runDir,
    log: (line) => log(`  ${run.id}: ${line}`),
    ...(input.workers ? { workers: input.workers } : {}),
  };
  const missing = missingPrerequisites(def.prerequisites(stageOpts));
  if (missing.length > 0) {
    return {
      ...rep,
      reason: `missing ${missing.map((m) => m.binary).join(', ')}`,
      install: missing.map((m) => m.install),
    };
  }
  let dropped = false;
  let running: RunningStage | undefined;
  try {
    if (run.variant === 'no-index') {
      // "Drop the index, run the benchmarking, recreate the index." (the talk)
      await deps.index.drop(settings.dbPath);
      dropped = true;
    }
    const t0 = Date.now();
    running = await def.start(stageOpts);
    rep.startMs = Date.now() - t0;
    const smoke = await deps.smokeCheck(running.url, input.data.smokeUser, { signal });
    // Ctrl-C while starting or checking: an interruption, not a failure of the stage.
    if (signal.aborted) throw new Error('interrupted');
    if (!smoke.ok) return { ...rep, status: 'failed', reason: smoke.reason ?? 'smoke check failed' };
    log(`  ${run.id}: up at ${running.url} in ${rep.startMs} ms; smoke check ok (${smoke.assets} assets)`);
    const n = input.data.users;
    const stage = running;
    const sampler = new ProcSampler(() => stage.processes(), {
      selfPid: deps.selfPid,
      ticksPerS: deps.ticksPerS,
    });
    sampler.start();
    let result: BenchResultCore;
    try {
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
            ...(input.progress
              ? {
                  onProgress: (p) =>
                    input.progress?.(
                      `  ${run.id}: ${(p.elapsedMs / 1000).toFixed(0)} s, ${p.requests} requests, ${p.errors} errors`,
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
    const benchFile = join('bench', `${run.id}.json`);
    mkdirSync(join(input.outDir, 'bench'), { recursive: true });
    writeFileSync(join(input.outDir, benchFile), `${JSON.stringify(result, null, 2)}\n`);
    const bench = summarize(result, settings.connections);
    const stageCpuS = cpu ? cpu.roles.reduce((s, r) => s + r.cpuS, 0) : undefined;
    const measured = {
      ...rep,
      status: 'ok' as const,
      bench,
      benchFile,
      ...(cpu ? { cpu } : {}),
      ...(stageCpuS !== undefined && bench.totals.pageViews > 0
        ? { cpuPerPageViewMs: (stageCpuS * 1000) / bench.totals.pageViews }
        : {}),
      staticShare: staticShare(bench),
      diagnosis: diagnose({
        runId: run.id,
        ...(run.variant ? { variant: run.variant } : {}),
        bench,
        ...(cpu ? { cpu } : {}),
        staticFrom: STATIC_FROM[run.stage],
      }),
    };
    if (bench.totals.pageViews > 0) return measured;
    // Requests answered but no page completed (every page slower than the run): not a figure.
    const t = bench.totals;
    return {
      ...measured,
      status: 'failed',
      reason: `no page view completed in ${bench.durationS.toFixed(1)} s (${t.requests} requests, ${t.errors} errors)`,
    };
  } catch (e) {
    if (signal.aborted)
      return { ...rep, status: 'skipped', reason: 'interrupted (Ctrl-C or SIGTERM) during the run' };
    return { ...rep, status: 'failed', reason: oneLine(e) };
  } finally {
    await running?.stop().catch((e: unknown) => log(`  ${run.id}: stop failed: ${oneLine(e)}`));
    if (dropped) {
      await deps.index.create(settings.dbPath);
      log(`  ${run.id}: photos.user_id index recreated`);
    }
  }
}
