/**
 * One run of the ladder: prerequisites → start → smoke check → warm-up + benchmark (with /proc
 * sampling, cut to the bench's measured window) → stop → diagnose. Whatever happens, the stage is
 * stopped and a dropped index is recreated (try/finally), including on Ctrl-C.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { missingPrerequisites } from '../daemons/prereq.js';
import { isFkError } from '../errors.js';
import type { StageRunReport } from '../report/report-types.js';
import type { CheckedStage, LadderRun } from '../stages/registry.js';
import type { RunningStage, StageOptions } from '../stages/stage.js';
import { assertReadyForStage } from '../store/database.js';
import { measureStage } from './measure.js';
import { measuredRun } from './summarise.js';
import type { LadderDeps, LadderInput } from './types.js';
import { writeBenchResult } from './write-report.js';

/** One line for the table: an FkError's message, or the first line of anything else. */
export function oneLine(e: unknown): string {
  const msg = isFkError(e) ? `${e.message} [${e.code}]` : e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 300);
}

/** The run's row before anything ran: what the stage is, and 'skipped' until it is measured. */
function plannedReport(run: LadderRun, def: CheckedStage): StageRunReport {
  return {
    id: run.id,
    stage: run.stage,
    label: run.label,
    ...(def.talk?.version ? { talkVersion: def.talk.version } : {}),
    title: def.title,
    summary: def.summary,
    ...(run.variant ? { variant: run.variant } : {}),
    status: 'skipped',
    ...(run.talkRequestsPerS ? { talkRequestsPerS: run.talkRequestsPerS } : {}),
  };
}

export async function runStage(
  run: LadderRun,
  input: LadderInput,
  deps: LadderDeps,
): Promise<StageRunReport> {
  const { settings, signal, log } = input;
  const def = await deps.loadStage(run.stage);
  const rep = plannedReport(run, def);
  if (signal.aborted) return { ...rep, reason: 'interrupted before it started' };
  const runDir = join(input.outDir, 'stages', run.id);
  mkdirSync(runDir, { recursive: true });
  rep.logDir = join('stages', run.id);
  const stageOpts: StageOptions = {
    db: input.db,
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
      await deps.index.drop(input.db);
      dropped = true;
    }
    await assertReadyForStage(input.db, def.dbClients(stageOpts), 'the ladder seeds it when it is absent');
    const t0 = Date.now();
    running = await def.start(stageOpts);
    rep.startMs = Date.now() - t0;
    const smoke = await deps.smokeCheck(running.url, input.data.smokeUser, { signal });
    // Ctrl-C while starting or checking: an interruption, not a failure of the stage.
    if (signal.aborted) throw new Error('interrupted');
    if (!smoke.ok) return { ...rep, status: 'failed', reason: smoke.reason ?? 'smoke check failed' };
    log(`  ${run.id}: up at ${running.url} in ${rep.startMs} ms; smoke check ok (${smoke.assets} assets)`);
    const measured = await measureStage(run.id, running, input, deps);
    const benchFile = writeBenchResult(input.outDir, run.id, measured.result);
    return measuredRun(rep, run, measured, {
      connections: settings.connections,
      benchFile,
      staticFrom: def.staticFrom,
    });
  } catch (e) {
    if (signal.aborted)
      return { ...rep, status: 'skipped', reason: 'interrupted (Ctrl-C or SIGTERM) during the run' };
    return { ...rep, status: 'failed', reason: oneLine(e) };
  } finally {
    await running?.stop().catch((e: unknown) => log(`  ${run.id}: stop failed: ${oneLine(e)}`));
    if (dropped) {
      await deps.index.create(input.db);
      log(`  ${run.id}: photos.user_id index recreated`);
    }
  }
}
