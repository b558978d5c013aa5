/**
 * One probe: the ladder's workload (logged-in virtual users viewing random users' pages with every
 * asset, browser mode) as an open loop at a fixed page-view rate against a running target, with
 * its CPU per part over the bench's measured window, judged against the SLO.
 */
import type { BenchHooks, BenchOptions } from '../bench/index.js';
import type { ProbeRecord } from '../report/capacity-types.js';
import { evaluateProbe, type ProbeBench, type Slo } from './slo.js';
import type { RunningTarget } from './target.js';

export interface ProbeSettings {
  /** Measured time of a probe. */
  probeMs: number;
  /** Not measured, before it (connections open, caches and the JIT warm). */
  warmupMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** URL-template seed: every probe views the same users in the same order. */
  seed: number;
}

/** 5 s measured after 1 s: enough page views (thousands) for a stable p99 at hundreds per second. */
export const DEFAULT_PROBE: ProbeSettings = { probeMs: 5000, warmupMs: 1000, timeoutMs: 10_000, seed: 2007 };

export type BenchFn = (opts: BenchOptions, hooks?: BenchHooks) => Promise<ProbeBench>;

/**
 * Virtual users for an open loop at `rate`: a user is busy for a page load, and arrivals that find
 * every user busy wait in the generator's own line — then the pool of browsers, not the stack,
 * would set the pace, and fast 503s could not free anyone. 0.3 s of page load per user covers the
 * default SLO (200 ms) with room; real users are unbounded. At most 600 users (× 6 connections
 * each: 3,600 sockets, within nginx's 4,096 worker_connections).
 */
export function virtualUsersFor(rate: number): number {
  return Math.min(600, Math.max(16, Math.ceil(rate * 0.3)));
}

export interface ProbeDeps {
  runBench: BenchFn;
  /** Epoch milliseconds (the CPU sampler's clock). */
  wallNow: () => number;
  signal?: AbortSignal;
}

export function workload(url: string, users: number): Pick<BenchOptions, 'urls' | 'login' | 'page'> {
  return { urls: [`${url}/users/{1..${users}}`], page: true, login: `POST ${url}/login user={1..${users}}` };
}

export async function runProbe(
  running: RunningTarget,
  users: number,
  rate: number,
  slo: Slo,
  s: ProbeSettings,
  deps: ProbeDeps,
): Promise<Omit<ProbeRecord, 'n' | 'phase'>> {
  const virtualUsers = virtualUsersFor(rate);
  const meter = running.cpu();
  let bench: ProbeBench;
  try {
    bench = await deps.runBench(
      {
        ...workload(running.url, users),
        connections: virtualUsers,
        rate,
        durationMs: s.probeMs,
        warmupMs: s.warmupMs,
        timeoutMs: s.timeoutMs,
        seed: s.seed,
      },
      deps.signal ? { signal: deps.signal } : {},
    );
  } catch (e) {
    meter.stop();
    throw e;
  }
  const end = deps.wallNow();
  const reading = meter.window(end - bench.durationS * 1000, end);
  meter.stop();
  return evaluateProbe(rate, bench, slo, {
    parts: reading?.parts ?? [],
    generatorCores: reading?.generatorCores ?? null,
    virtualUsers,
  });
}

/**
 * How long a prime warms a fresh start: rounds of `roundMs` closed loop until (a) at least
 * `minPageViewsPerUnit` page views per unit of size were served — V8 optimises a function after
 * enough calls, not after enough seconds, so "warm" is a count of page views per app process — and
 * (b) the page-view rate stopped climbing: no round of the last `patience` beats the best before
 * them by more than `growth`. (b) alone is fooled by a stack that is slow and flat while it warms:
 * on lab hosts of 0.08 core a fresh fleet, memcached still empty, read 4, 3, 3, 3 page views/s, and
 * its first probes then failed at 50/s on a host that sustains ~45/s warm. A fixed 2 s (before)
 * was enough on 0.25-core hosts but not there, where the JIT's own work counts against the quota:
 * 1 s rounds right after a start read 13, 10, 17, 21, 31, 53, 66, 73, 113, 95, 133, 145, 125, 123,
 * 140 page views/s (bench/README.md).
 */
export interface PrimeSettings {
  roundMs: number;
  minPageViewsPerUnit: number;
  patience: number;
  growth: number;
  /** At most this many rounds: a stack that keeps climbing is probed anyway (and the log says so). */
  maxRounds: number;
  /** Closed-loop connections per unit of size (an app host, an app process). */
  connectionsPerUnit: number;
}

export const DEFAULT_PRIME: PrimeSettings = {
  roundMs: 1000,
  minPageViewsPerUnit: 500,
  patience: 3,
  growth: 0.1,
  maxRounds: 30,
  connectionsPerUnit: 8,
};

/** True when the rates (page views/s per round, in order) have stopped climbing. Pure. */
export function primeSettled(
  rates: readonly number[],
  p: Pick<PrimeSettings, 'patience' | 'growth'>,
): boolean {
  if (rates.length <= p.patience) return false;
  const before = Math.max(...rates.slice(0, rates.length - p.patience));
  const recent = Math.max(...rates.slice(rates.length - p.patience));
  return recent <= before * (1 + p.growth);
}

export interface PrimeOutcome {
  /** Page views/s of each round. */
  rates: number[];
  pageViews: number;
  settled: boolean;
}

/**
 * After a start, before the first probe: closed-loop rounds (primeSettled) that fill memcached
 * with the static files and warm every app process's JIT, so the first probe does not measure a
 * cold stack.
 */
export async function prime(
  running: RunningTarget,
  users: number,
  s: ProbeSettings,
  deps: ProbeDeps & { log?: (line: string) => void },
  p: PrimeSettings = DEFAULT_PRIME,
): Promise<PrimeOutcome> {
  const rates: number[] = [];
  let pageViews = 0;
  let settled = false;
  const units = Math.max(1, running.size);
  while (rates.length < p.maxRounds && !settled && deps.signal?.aborted !== true) {
    const b = await deps.runBench(
      {
        ...workload(running.url, users),
        connections: Math.min(64, p.connectionsPerUnit * units),
        durationMs: p.roundMs,
        timeoutMs: s.timeoutMs,
        seed: s.seed + 1 + rates.length,
      },
      deps.signal ? { signal: deps.signal } : {},
    );
    rates.push(Math.round(b.rates.pageViewsPerS * 10) / 10);
    pageViews += b.totals.pageViews;
    settled = pageViews >= p.minPageViewsPerUnit * units && primeSettled(rates, p);
  }
  deps.log?.(
    `primed: ${rates.length} closed-loop round${rates.length === 1 ? '' : 's'} of ${p.roundMs / 1000} s, ` +
      `${pageViews} page views, ${rates[0] ?? 0} → ${rates[rates.length - 1] ?? 0} page views/s` +
      (settled ? '' : ` (still climbing after ${p.maxRounds} rounds: probing anyway)`),
  );
  return { rates, pageViews, settled };
}
