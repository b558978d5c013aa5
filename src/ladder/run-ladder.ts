/**
 * The ladder: for each planned run, prerequisites → start → smoke check → warm-up + benchmark
 * (with /proc sampling) → stop → diagnose. Every stage gets the same workload (the talk ran one
 * benchmarker against every version). A stage that is missing a binary is skipped with the install
 * command, one that fails is reported with its reason; the others still run.
 */
import type { BenchOptions, BenchResultCore } from '../bench/api.js';
import type { BenchHooks } from '../bench/index.js';
import type { LadderReport, MachineInfo, StageRunReport } from '../report/report-types.js';
import { LADDER_REPORT_VERSION } from '../report/report-types.js';
import type { StageDefinition, StageName } from '../stages/stage.js';
import type { DataFacts } from './data.js';
import type { LadderSettings, PlannedRun } from './plan.js';
import { oneLine, runStage } from './run-stage.js';
import type { SmokeResult, SmokeUser } from './smoke-check.js';
import { talkRatio } from './talk-figures.js';

export type BenchFn = (opts: BenchOptions, hooks?: BenchHooks) => Promise<BenchResultCore>;

export interface LadderDeps {
  loadStage: (name: StageName) => Promise<StageDefinition>;
  runBench: BenchFn;
  smokeCheck: (url: string, user: SmokeUser, opts: { signal?: AbortSignal }) => Promise<SmokeResult>;
  index: {
    drop: (dbPath: string) => void | Promise<void>;
    create: (dbPath: string) => void | Promise<void>;
  };
  machineInfo: () => Promise<MachineInfo>;
  /** Our own PID (the load generator's process) and the kernel's clock ticks per second. */
  selfPid: number;
  ticksPerS: number;
}

export interface LadderInput {
  runs: PlannedRun[];
  settings: LadderSettings;
  data: DataFacts;
  quick: boolean;
  /** Report directory: bench results and each stage's configs and logs go under it. */
  outDir: string;
  workers?: number;
  log: (line: string) => void;
  /** Live progress during a benchmark (a terminal's status line); called a few times a second. */
  progress?: (line: string) => void;
  signal: AbortSignal;
}

/** Each ok run against its baseline (or, if that did not run, the previous ok run). */
function addSpeedups(runs: StageRunReport[], plan: PlannedRun[]): void {
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
    const theirs = talkRatio(r.id, base.id);
    if (theirs !== undefined) r.talkSpeedup = theirs;
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
  addSpeedups(runs, input.runs);
  const s = input.settings;
  return {
    schemaVersion: LADDER_REPORT_VERSION,
    kind: 'flickr-killr-ladder',
    startedAt,
    finishedAt: new Date().toISOString(),
    interrupted: input.signal.aborted,
    options: {
      quick: input.quick,
      dbPath: s.dbPath,
      users: input.data.users,
      connections: s.connections,
      durationMs: s.durationMs,
      warmupMs: s.warmupMs,
      runs: input.runs.map((r) => r.id),
    },
    machine,
    runs,
  };
}
