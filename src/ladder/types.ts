/**
 * The ladder's shared shapes: what it is given (LadderInput) and what it calls (LadderDeps, real
 * in default-deps.ts, fakes in tests). Kept apart so run-ladder.ts and run-stage.ts import these,
 * not each other.
 */
import type { BenchHooks, BenchOptions, BenchResultCore } from '../bench/index.js';
import type { ProcessInfo } from '../daemons/supervisor.js';
import type { MachineInfo, StageRunReport } from '../report/report-types.js';
import type { CheckedStage, LadderRun } from '../stages/registry.js';
import type { DataFacts } from '../store/data-facts.js';
import type { OpenTarget } from '../store/db-target.js';
import type { LadderSettings } from './plan.js';
import type { SmokeResult, SmokeUser } from './smoke-check.js';

export type BenchFn = (opts: BenchOptions, hooks?: BenchHooks) => Promise<BenchResultCore>;

export interface LadderDeps {
  loadStage: (name: string) => Promise<CheckedStage>;
  runBench: BenchFn;
  smokeCheck: (url: string, user: SmokeUser, opts: { signal?: AbortSignal }) => Promise<SmokeResult>;
  index: {
    drop: (db: OpenTarget) => Promise<void>;
    create: (db: OpenTarget) => Promise<void>;
  };
  machineInfo: () => Promise<MachineInfo>;
  /** Our own PID (the load generator's process) and the kernel's clock ticks per second. */
  selfPid: number;
  ticksPerS: number;
}

export interface LadderInput {
  runs: LadderRun[];
  settings: LadderSettings;
  /** The database, connectable: the own cluster already started (by ladder-job.ts). */
  db: OpenTarget;
  /** Processes of the database server that are ours to sample (the own cluster's postmaster). */
  dbProcesses: () => ProcessInfo[];
  data: DataFacts;
  quick: boolean;
  /** Report directory: bench results and each stage's configs and logs go under it. */
  outDir: string;
  workers?: number;
  log: (line: string) => void;
  /** Live progress during a benchmark (a terminal's status line); called a few times a second. */
  progress?: (line: string) => void;
  signal: AbortSignal;
  /** The last rung, on a lab of its own (capacity/fleet-rung.ts, given by the CLI); absent: no fleet rung. */
  fleetRung?: FleetRungFn;
}

/** Runs the fleet rung: its row (ok, skipped with the reason, or failed). */
export type FleetRungFn = (input: LadderInput, deps: LadderDeps) => Promise<StageRunReport>;

export type { ProcessInfo };
