/**
 * The ladder report: what `flickr-killr ladder` writes as report.json and what the table and HTML
 * renderers read. Versioned; its JSON form is schemas/ladder-report.schema.json (checked with ajv in
 * test/unit/report/report-schema.test.ts). report/ imports only types: result JSON in, text/HTML out.
 */
import type { BenchResultCore } from '../bench/api.js';
import type { HostUsage } from './capacity-types.js';

export const LADDER_REPORT_VERSION = 1 as const;

/** The verdicts diagnose() can reach; each is one row of docs/reading-the-report.md. */
export const BOTTLENECK_CODES = [
  'no-data',
  'errors',
  'noisy-machine',
  'generator',
  'database',
  'process-startup',
  'one-core',
  'static-in-app',
  'sessions',
  'app-cpu',
  'front-proxy',
  'shared-host',
  'not-saturated',
  'whole-machine',
  'inconclusive',
] as const;
export type BottleneckCode = (typeof BOTTLENECK_CODES)[number];

export interface Diagnosis {
  bottleneck: BottleneckCode;
  /** One or two sentences in the talk's "What's wrong with this picture?" voice. */
  text: string;
  /** The figures the verdict rests on, one short line each. */
  evidence: string[];
}

/** CPU used by one role of the stack over the measured window (from /proc). */
export interface RoleCpu {
  /** 'app-1', 'nginx', 'lighttpd', or '<role>/children' for processes a role forked (CGI scripts). */
  role: string;
  cpuS: number;
  /** Mean cores busy = cpuS / window seconds. */
  cores: number;
  /** Distinct PIDs seen in this role during the window (process churn). */
  pids: number;
}

export interface CpuBreakdown {
  windowS: number;
  cores: number;
  roles: RoleCpu[];
  /** The ladder's own process: the load generator and its worker threads. */
  generatorCores: number;
  /** Everything else on the machine (other users of a shared box), in cores. */
  otherCores: number;
  /** Whole machine from /proc/stat: mean cores busy, and busy fraction per core. */
  machineBusyCores: number;
  perCoreBusy: number[];
  /** Tasks (processes and threads) created on the machine during the window (/proc/stat "processes"). */
  forks: number;
}

/** The part of a BenchResult the report keeps (the full result is written beside it). */
export type BenchSummary = Omit<BenchResultCore, 'schemaVersion' | 'startedAt'> & { connections: number };

export type RunStatus = 'ok' | 'skipped' | 'failed';

export interface StageRunReport {
  /** Unique in the report: the stage name, or e.g. 'memcached-noindex'. */
  id: string;
  stage: string;
  label: string;
  talkVersion?: string;
  title: string;
  summary: string;
  /** 'no-index': run with the photos.user_id index dropped (the talk's "Don't forget to index"). */
  variant?: 'no-index';
  status: RunStatus;
  /** One line: why it was skipped or failed. */
  reason?: string;
  /** Exact commands that install what a skipped stage misses. */
  install?: string[];
  /** The talk's 2007 figure (requests/s) for this run, when it has one; its version is talkVersion. */
  talkRequestsPerS?: number;
  /** Which run the speedup is measured against (the stage this one replaces in the talk). */
  baseline?: string;
  /** Our page views/s over the baseline's; the talk's ratio for the same pair when it has both. */
  speedup?: number;
  talkSpeedup?: number;
  bench?: BenchSummary;
  cpu?: CpuBreakdown;
  /** Server CPU (all stage processes) per page view, in ms. */
  cpuPerPageViewMs?: number;
  /** Share of requests that were static assets (0..1). */
  staticShare?: number;
  diagnosis?: Diagnosis;
  startMs?: number;
  /** File (relative to the report) holding the full bench result. */
  benchFile?: string;
  logDir?: string;
  /** The fleet rung: every host's CPU over the measured window, against its quota (its cgroup). */
  hosts?: HostUsage[];
  /** The fleet rung's short scale-out chart: the sustainable rate with 1 and 2 app hosts. */
  scaleOut?: FleetScaleOut;
}

export interface FleetScaleOut {
  sizes: Array<{
    size: number;
    sustainableRate: number;
    probes: number;
    /** The lowest rate that did not pass; null: every probe passed, the rate is only a lower bound. */
    upperRate?: number | null;
    saturated: string[];
  }>;
  /** rate(2) ÷ (2 × rate(1)); null when a size sustained nothing or was not bracketed (fleetEfficiency). */
  efficiency: number | null;
  stopReason: string;
  /** Shorter than `capacity`'s: these probes, this tolerance, sizes 1 and 2 only. */
  probeMs: number;
  warmupMs: number;
  maxProbes: number;
  tolerance: number;
  slo: string;
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  os: string;
  node: string;
  versions: Record<string, string>;
  /** Always true here: say so wherever figures are shown. */
  generatorSharesMachine: true;
}

export interface LadderReport {
  schemaVersion: typeof LADDER_REPORT_VERSION;
  kind: 'flickr-killr-ladder';
  startedAt: string;
  finishedAt: string;
  interrupted: boolean;
  options: {
    quick: boolean;
    /** The SQLite file, or the server's URL without any password. */
    dbPath: string;
    /** Which database the stages ran on (describeTarget: engine, and where, without secrets). */
    database?: { engine: 'sqlite' | 'postgresql'; description: string };
    users: number;
    connections: number;
    durationMs: number;
    warmupMs: number;
    runs: string[];
  };
  machine: MachineInfo;
  runs: StageRunReport[];
}
