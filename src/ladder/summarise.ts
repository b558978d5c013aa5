/** From a measured run to its row of the report: the bench summary, CPU per page view, the diagnosis. */
import type { BenchResultCore } from '../bench/index.js';
import type { BenchSummary, StageRunReport } from '../report/report-types.js';
import type { LadderRun } from '../stages/registry.js';
import type { StaticServer } from '../stages/stage.js';
import { diagnose, staticShare } from './diagnose.js';
import type { Measured } from './measure.js';

/** What the report keeps of a bench result (the whole result is in the run's bench file). */
export function summarize(r: BenchResultCore, connections: number): BenchSummary {
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

/** The run's report once measured: ok, or failed when no page view completed (not a figure). */
export function measuredRun(
  rep: StageRunReport,
  run: LadderRun,
  m: Measured,
  ctx: { connections: number; benchFile: string; staticFrom: StaticServer },
): StageRunReport {
  const bench = summarize(m.result, ctx.connections);
  const cpu = m.cpu;
  const stageCpuS = cpu ? cpu.roles.reduce((s, r) => s + r.cpuS, 0) : undefined;
  const measured: StageRunReport = {
    ...rep,
    status: 'ok',
    bench,
    benchFile: ctx.benchFile,
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
      staticFrom: ctx.staticFrom,
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
}
