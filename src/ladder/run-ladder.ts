/**
 * The ladder: for each planned run, prerequisites → start → smoke check → warm-up + benchmark
 * (with /proc sampling) → stop → diagnose. Every stage gets the same workload (the talk ran one
 * benchmarker against every version). A stage that is missing a binary is skipped with the install
 * command, one that fails is reported with its reason; the others still run.
 */
import type { LadderReport, StageRunReport } from '../report/report-types.js';
import { LADDER_REPORT_VERSION } from '../report/report-types.js';
import type { LadderRun } from '../stages/registry.js';
import { describeTarget } from '../store/db-target.js';
import { oneLine, runStage } from './run-stage.js';
import type { LadderDeps, LadderInput } from './types.js';

/** Each ok run against its baseline (or, if that did not run, the previous ok run). */
function addSpeedups(runs: StageRunReport[], plan: LadderRun[]): void {
  const pvs = (r: StageRunReport | undefined) =>
    r?.status === 'ok' ? (r.bench?.rates.pageViewsPerS ?? 0) : 0;
  runs.forEach((r, i) => {
    if (r.status !== 'ok') return;
    const wanted = plan[i]?.baseline;
    let base = runs.find((x) => x.id === wanted && pvs(x) > 0);
    if (base === undefined && wanted !== undefined) base = runs.slice(0, i).findLast((x) => pvs(x) > 0);
    if (base === undefined) return;
    r.baseline = base.id;
    r.speedup = pvs(r) / pvs(base);
    // The talk's own ratio, when it reported both runs (e.g. single over cgi ≈ 6.0).
    if (r.talkRequestsPerS !== undefined && base.talkRequestsPerS !== undefined)
      r.talkSpeedup = r.talkRequestsPerS / base.talkRequestsPerS;
  });
}

export async function runLadder(input: LadderInput, deps: LadderDeps): Promise<LadderReport> {
  const startedAt = new Date().toISOString();
  const machine = await deps.machineInfo();
  const runs: StageRunReport[] = [];
  for (const [i, run] of input.runs.entries()) {
    input.log(`[${i + 1}/${input.runs.length}] ${run.label}`);
    let rep: StageRunReport;
    try {
      rep = await runStage(run, input, deps);
    } catch (e) {
      rep = {
        id: run.id,
        stage: run.stage,
        label: run.label,
        title: run.stage,
        summary: '',
        status: 'failed',
      };
      rep.reason = oneLine(e);
    }
    const what =
      rep.status === 'ok'
        ? `${rep.bench!.rates.pageViewsPerS.toFixed(1)} page views/s — ${rep.diagnosis!.bottleneck}`
        : `${rep.status}: ${rep.reason}`;
    input.log(`  ${run.id}: ${what}`);
    runs.push(rep);
  }
  const plan = [...input.runs];
  if (input.fleetRung !== undefined) {
    const n = input.runs.length + 1;
    input.log(`[${n}/${n}] fleet (a lab of its own: lb, 2 app hosts, cache, sessions, db)`);
    const rep = await input.fleetRung(input, deps);
    input.log(
      `  fleet: ${rep.status === 'ok' ? `${rep.bench!.rates.pageViewsPerS.toFixed(1)} page views/s — ${rep.diagnosis!.bottleneck}` : `${rep.status}: ${rep.reason}`}`,
    );
    runs.push(rep);
    plan.push({ id: 'fleet', stage: 'fleet', label: rep.label, baseline: 'memcached' });
  }
  addSpeedups(runs, plan);
  const s = input.settings;
  return {
    schemaVersion: LADDER_REPORT_VERSION,
    kind: 'flickr-killr-ladder',
    startedAt,
    finishedAt: new Date().toISOString(),
    interrupted: input.signal.aborted,
    options: {
      quick: input.quick,
      dbPath: input.db.kind === 'sqlite' ? input.db.path : describeTarget(input.db),
      database: {
        engine: input.db.kind === 'sqlite' ? 'sqlite' : 'postgresql',
        description: describeTarget(input.db),
      },
      users: input.data.users,
      connections: s.connections,
      durationMs: s.durationMs,
      warmupMs: s.warmupMs,
      runs: plan.map((r) => r.id),
    },
    machine,
    runs,
  };
}
