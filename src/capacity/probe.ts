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
 * After a start, before the first probe: a short closed loop that fills memcached with the static
 * files and warms every app process's JIT, so the first probe does not measure a cold stack.
 */
export async function prime(
  running: RunningTarget,
  users: number,
  s: ProbeSettings,
  deps: ProbeDeps,
): Promise<void> {
  await deps.runBench(
    {
      ...workload(running.url, users),
      connections: 8,
      durationMs: Math.min(2000, Math.max(500, s.probeMs)),
      timeoutMs: s.timeoutMs,
      seed: s.seed + 1,
    },
    deps.signal ? { signal: deps.signal } : {},
  );
}
