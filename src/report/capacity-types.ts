/**
 * capacity.json (schemas/capacity.schema.json, `urn:flickr-killr:capacity:1`): what
 * `flickr-killr capacity` measured and answered. Rates are page views per second (a page view is
 * the HTML page and all its assets, as the ladder counts them); latencies are microseconds, from
 * when a page view was due (open loop: coordinated omission corrected).
 */
import type { ThresholdResult } from '../bench/index.js';
import type { MachineInfo } from './report-types.js';

export const CAPACITY_REPORT_VERSION = 1 as const;

/**
 * The part of the stack a CPU figure belongs to. `app` grows with the size; the others are shared
 * by every request whatever the size (the talk's lb, cache, sessions and db hosts), and `machine`
 * is the one computer a local stage runs on, generator included.
 */
export type PartRole = 'app' | 'lb' | 'cache' | 'sessions' | 'db' | 'machine' | 'other';

export interface PartUsage {
  /** 'app processes', 'nginx', 'redis', 'machine' — or a host name on a fleet ('lb', 'app1'). */
  name: string;
  role: PartRole;
  shared: boolean;
  /** Mean cores used over the probe's measured window. */
  usedCores: number;
  /** What it can use: a host's CPU quota, a single-threaded process's one core, the machine's cores. */
  budgetCores: number;
  /** A fleet's host: every role it has (`role` is the first shared one). */
  roles?: string[];
  /**
   * A real machine's kernel (its /proc/stat boot time). Hosts with the same one share a machine
   * (network namespaces of one box): their usedCores are each that machine's, not their own.
   */
  kernel?: string;
}

/** CPU of one host of a fleet against its quota (its cgroup, or its /proc/stat as a share of its cores). */
export interface HostUsage {
  name: string;
  roles: string[];
  usedCores: number;
  quotaCores: number;
}

/** pass: the SLO held at the offered rate; fail: it did not; inconclusive: it did not, and the generator was saturated. */
export type ProbeVerdict = 'pass' | 'fail' | 'inconclusive';

export interface ProbeRecord {
  /** 1-based, in the order the probes ran within their search or curve. */
  n: number;
  /** confirm: the same rate again after a probe that did not pass (search.ts: a rate fails only if 2 of 2 do). */
  phase: 'ramp' | 'bisect' | 'confirm' | 'overload';
  /** Open-loop arrival rate asked of the generator (page views/s). */
  offeredRate: number;
  /** Page views due in the measured window that completed in it, per second. */
  achievedRate: number;
  /** Of those, page views without an error response and loaded within the SLO's latency, per second. */
  goodput: number;
  durationS: number;
  virtualUsers: number;
  /** Page load time (HTML + assets, corrected): p50, p99. */
  latencyUs: { p50: number; p99: number };
  /** Failed requests (transport errors and status >= 400) as a percentage of requests sent. */
  errorsPct: number;
  /** Responses 503: past a --protect limit (or a backend down). */
  status503: number;
  thresholds: ThresholdResult[];
  verdict: ProbeVerdict;
  /** Why not pass, in words (empty when it passed). */
  reasons: string[];
  generatorSaturated: boolean;
  /** CPU per part over the measured window; empty when the target could not measure it. */
  parts: PartUsage[];
  generatorCores: number | null;
}

export interface SearchOutcome {
  /** The highest offered rate that passed (0: none did). */
  sustainableRate: number;
  /** The lowest rate above it that did not pass, if one ran. */
  upperRate: number | null;
  /** What stopped the upper probe: the SLO, or an inconclusive probe (generator saturated). */
  upperReason: 'slo' | 'generator' | null;
  /** The bracket is within the tolerance (or cannot be split in whole page views per second). */
  converged: boolean;
  stoppedBy: 'tolerance' | 'probe-budget' | 'max-rate' | 'min-rate' | 'interrupted';
  /** Probes of phase 'confirm' among `probes` (they count in the probe budget). */
  confirmations: number;
  probes: ProbeRecord[];
  elapsedS: number;
}

export interface ScalePoint {
  /** App processes (stage) or app hosts (fleet). */
  size: number;
  search: SearchOutcome;
  /** CPU per part at the sustainable rate's probe. */
  parts: PartUsage[];
  /** Shared parts at ≥ 85 % of their budget at that probe. */
  saturated: string[];
  /** A fleet: every host at the sustainable rate's probe, against its quota. */
  cpu?: { hosts: HostUsage[] };
  /** N × size 1's sustainable rate. */
  ideal: number;
  /** sustainable ÷ ideal; null for size 1 or when size 1 sustained nothing. */
  efficiency: number | null;
}

export interface SharedLimit {
  name: string;
  role: PartRole;
  /** Page views/s at which it reaches its budget: measured (saturated in a probe) or extrapolated linearly from its CPU per page view. */
  ceilingRate: number;
  basis: 'measured' | 'extrapolated';
  /** The figures it came from: its CPU at `atRate`, size `atSize`. */
  usedCores: number;
  budgetCores: number;
  atRate: number;
  atSize: number;
}

export interface CapacityAction {
  /** The part the advice is about ('app', 'nginx', 'database', 'machine', 'generator'). */
  part: string;
  text: string;
}

export interface CapacityAnswer {
  baseline: { rate: number; source: 'given' | 'size-1' };
  factor: number;
  targetRate: number;
  /**
   * The size that sustains the target: the smallest measured size that did (measured), or
   * target ÷ the best measured rate per unit (extrapolated); null when a shared part caps the
   * rate below the target (unreachable by size alone) or nothing was measured.
   */
  size: { value: number | null; basis: 'measured' | 'extrapolated' | 'unreachable'; perUnitRate: number };
  /** The shared part that reaches its budget first, at the lowest rate. */
  firstShared: SharedLimit | null;
  /** A fleet: that part as a host — "lb host 'lb' (0.75 core)" — with its roles and quota. */
  firstSharedHost?: { name: string; roles: string[]; quotaCores: number; label: string } | null;
  /** The generator set the limit of the last measured size: its figures are lower bounds. */
  generatorLimited: boolean;
  actions: CapacityAction[];
  /** The answer in the talk's plain words, one line each. */
  lines: string[];
}

export interface OverloadCurve {
  protect: boolean;
  /** --protect's limit, requests in flight per app process. */
  maxInFlight: number | null;
  size: number;
  /** The sustainable rate the multipliers apply to. */
  baseRate: number;
  steps: Array<ProbeRecord & { multiplier: number }>;
}

export interface CapacityReport {
  schemaVersion: typeof CAPACITY_REPORT_VERSION;
  kind: 'flickr-killr-capacity';
  startedAt: string;
  finishedAt: string;
  interrupted: boolean;
  target: {
    kind: 'stage' | 'fleet';
    name: string;
    /** What a size counts: 'app processes' or 'app hosts'. */
    sizeUnit: string;
    maxSize: number;
    users: number;
  };
  options: {
    slo: string;
    factor: number;
    rate: number | null;
    probeMs: number;
    warmupMs: number;
    tolerance: number;
    maxProbes: number;
    startRate: number;
    sizes: number[];
    protect: boolean;
    /** --protect's limit of each protected overload curve (requests in flight per app process). */
    maxInFlight: number[];
    multipliers: number[];
  };
  machine: MachineInfo;
  scaleOut: ScalePoint[];
  /** Why the scale-out curve ends where it does. */
  stopReason: string;
  answer: CapacityAnswer;
  overload: OverloadCurve[];
}
