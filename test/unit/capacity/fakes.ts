/**
 * Fakes for capacity's unit tests (k6 style: exact numbers, no sockets). fakeBench builds the
 * result a bench run would return from a few figures; modelStack is a target whose "stack" holds
 * `perUnit` page views/s per app process up to a shared part's ceiling, with a fake clock that
 * advances by each bench run's length.
 */
import { Histogram } from '../../../src/bench/histogram.js';
import type { BenchOptions } from '../../../src/bench/index.js';
import { DEFAULT_MULTIPLIERS } from '../../../src/capacity/overload.js';
import { DEFAULT_PROBE } from '../../../src/capacity/probe.js';
import { runCapacity } from '../../../src/capacity/run-capacity.js';
import { doublingSizes } from '../../../src/capacity/scale-out.js';
import { DEFAULT_SEARCH } from '../../../src/capacity/search.js';
import type { ProbeBench } from '../../../src/capacity/slo.js';
import { DEFAULT_SLO, parseSlo } from '../../../src/capacity/slo.js';
import type { CapacityTarget, CpuMeter, RunningTarget } from '../../../src/capacity/target.js';
import type { PartUsage, ProbeRecord } from '../../../src/report/capacity-types.js';
import type { MachineInfo } from '../../../src/report/report-types.js';

export interface FakeBenchSpec {
  /** Page views completed per second. */
  rate: number;
  durationS?: number;
  /** Page load times (µs) and how many page views had each. */
  loads: Array<[us: number, count: number]>;
  statusCodes?: Record<string, number>;
  transportErrors?: number;
  saturated?: boolean;
  requestsPerPage?: number;
}

export function fakeBench(s: FakeBenchSpec): ProbeBench {
  const durationS = s.durationS ?? 5;
  const h = new Histogram();
  for (const [us, n] of s.loads) for (let i = 0; i < n; i++) h.record(us);
  const pageViews = h.count;
  const requests = pageViews * (s.requestsPerPage ?? 19);
  const summary = h.summary();
  return {
    schemaVersion: 1,
    startedAt: '2026-12-01T23:00:00.000Z',
    durationS,
    totals: {
      requests,
      pageViews,
      bytes: requests * 1000,
      errors: s.transportErrors ?? 0,
      retriedOnStaleConnection: 0,
    },
    rates: {
      requestsPerS: requests / durationS,
      pageViewsPerS: s.rate,
      bytesPerS: (requests * 1000) / durationS,
    },
    latency: summary,
    pageLoad: summary,
    classes: {},
    statusCodes: s.statusCodes ?? { '200': requests },
    errors: {},
    serverTiming: {},
    generator: {
      threads: 2,
      cpuUserS: 1,
      cpuSystemS: 1,
      cpuPerRequestUs: 10,
      saturated: s.saturated ?? false,
      warnings: [],
    },
    histograms: { pageLoad: h.toJSON() },
  };
}

/** A probe's figures as the search sees them (evaluateProbe's output shape). */
export function probeResult(
  rate: number,
  verdict: ProbeRecord['verdict'],
  parts: PartUsage[] = [],
): Omit<ProbeRecord, 'n' | 'phase'> {
  return {
    offeredRate: rate,
    achievedRate: verdict === 'pass' ? rate : rate * 0.8,
    goodput: verdict === 'pass' ? rate : 0,
    durationS: 5,
    virtualUsers: 16,
    latencyUs: { p50: 5000, p99: verdict === 'pass' ? 20_000 : 900_000 },
    errorsPct: 0,
    status503: 0,
    thresholds: [],
    verdict,
    reasons: verdict === 'pass' ? [] : ['load.p99<200ms: measured 900 ms'],
    generatorSaturated: verdict === 'inconclusive',
    parts,
    generatorCores: null,
  };
}

/** A clock in milliseconds that only moves when told. */
export class FakeMs {
  t = 0;
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface ModelSpec {
  /** Page views/s one app process sustains. */
  perUnit: number;
  /** A shared part ('lb') and the page views/s at which it reaches its 1-core budget. */
  sharedCeiling: number;
  maxSize: number;
  /** With --protect, goodput at overload stays at this share of capacity (unprotected: it collapses). */
  protectedKeeps?: number;
}

/**
 * A fake target and a fake bench that agree through the URL: start(size) answers
 * http://model/<size>/<u|p>, and the bench reads it back to know which "stack" it measures. The
 * CPU meter reports the shared part (lb) in proportion to the page views the last run served.
 */
export function modelStack(m: ModelSpec, clock: FakeMs) {
  const starts: string[] = [];
  const runs: BenchOptions[] = [];
  const served = { rate: 0 };
  const capacity = (size: number) => Math.min(m.perUnit * size, m.sharedCeiling);
  const target: CapacityTarget = {
    info: {
      kind: 'fleet',
      name: 'model',
      sizeUnit: 'app hosts',
      maxSize: m.maxSize,
      staticFrom: 'cache',
      users: 1000,
    },
    async start(size, { protect }): Promise<RunningTarget> {
      starts.push(`${size}${protect ? ` protect ${protect.maxInFlight}` : ''}`);
      const cpu = (): CpuMeter => ({
        window: () => ({
          parts: [
            {
              name: 'lb',
              role: 'lb',
              shared: true,
              usedCores: round3(served.rate / m.sharedCeiling),
              budgetCores: 1,
            },
            {
              name: 'app',
              role: 'app',
              shared: false,
              usedCores: round3(served.rate / m.perUnit),
              budgetCores: size,
            },
          ],
          generatorCores: null,
        }),
        stop: () => {},
      });
      return { size, url: `http://model/${size}/${protect ? 'p' : 'u'}`, cpu, stop: async () => {} };
    },
  };
  const runBench = async (o: BenchOptions): Promise<ProbeBench> => {
    runs.push(o);
    clock.advance((o.warmupMs ?? 0) + (o.durationMs ?? 0));
    const [, size, mode] = /^http:\/\/model\/(\d+)\/([up])\//.exec(o.urls[0]!)!;
    const cap = capacity(Number(size));
    const offered = o.rate ?? cap;
    const durationS = (o.durationMs ?? 1000) / 1000;
    const n = Math.round(offered * durationS);
    served.rate = Math.min(offered, cap);
    if (offered <= cap) return fakeBench({ rate: offered, durationS, loads: [[20_000, n]] });
    if (mode === 'p') {
      const kept = Math.round(cap * (m.protectedKeeps ?? 0.9) * durationS);
      return fakeBench({
        rate: offered,
        durationS,
        loads: [
          [30_000, kept],
          [1_000, n - kept],
        ],
        statusCodes: { '200': kept * 19, '503': n - kept },
      });
    }
    // Unprotected past capacity: it serves what it can, every page view late.
    return fakeBench({ rate: cap, durationS, loads: [[2_000_000, Math.round(cap * durationS)]] });
  };
  return { target, runBench, starts, runs, capacity };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export const MACHINE: MachineInfo = {
  cores: 2,
  cpuModel: 'test CPU',
  memoryBytes: 2 ** 33,
  os: 'Linux 6.1',
  node: '20.20.2',
  versions: { nginx: '1.22.1' },
  generatorSharesMachine: true,
};

/** A whole run on the model stack: 300/s per app host, the lb saturating at 700/s. */
export async function modelRun(opts: { protect?: boolean; givenRate?: number } = {}) {
  const clock = new FakeMs();
  const model = modelStack({ perUnit: 300, sharedCeiling: 700, maxSize: 8, protectedKeeps: 0.9 }, clock);
  const lines: string[] = [];
  const report = await runCapacity(
    model.target,
    {
      slo: parseSlo(DEFAULT_SLO),
      factor: 10,
      ...(opts.givenRate === undefined ? {} : { givenRate: opts.givenRate }),
      probe: DEFAULT_PROBE,
      search: DEFAULT_SEARCH,
      sizes: doublingSizes(model.target.info.maxSize),
      protect: opts.protect ? [{ maxInFlight: 16 }] : [],
      multipliers: DEFAULT_MULTIPLIERS,
      overload: true,
    },
    {
      runBench: model.runBench,
      now: clock.now,
      wallNow: () => Date.UTC(2026, 11, 1, 23) + clock.t,
      machine: async () => MACHINE,
      log: (l) => lines.push(l),
    },
  );
  return { report, model, lines, clock };
}
