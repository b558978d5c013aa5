/**
 * The sustainable rate of one size: the highest open-loop page-view rate whose probe passes the
 * SLO, by a bounded search. Ramp: double from the start rate until a probe does not pass (or halve
 * until one does), then bisect the bracket [highest pass, lowest non-pass] until it is within the
 * tolerance. Every probe is a full open-loop bench run, so the search is bounded by its probe
 * count: at most `maxProbes` × (warm-up + probe). Pure: the probes and the clock are parameters,
 * so a unit test runs a whole search with exact probe sequences and no sockets.
 *
 * A rate fails only if 2 of 2 probes fail: a probe that does not pass is probed again at once at
 * the same rate (phase 'confirm', counted in the budget); if that one passes, the rate is a pass.
 * Why: on a shared machine the noise is one-sided. Another process's burst, a GC pause, a cold
 * fleet right after a start only make a probe slower — one p99 spike of 367 ms among probes at
 * 20–23 ms bounded a search and read a scale-out efficiency of 0.48 instead of ~0.95 (bench/README.md)
 * — while nothing makes a stack deliver a rate past its capacity within the SLO. So a pass is taken
 * at its word and a failure is confirmed once. A failure the budget leaves no probe to confirm still
 * bounds the bracket (conservative), and the search then reads as not converged.
 */
import type { ProbeRecord, SearchOutcome } from '../report/capacity-types.js';

export interface SearchParams {
  /** The first rate probed (page views/s). */
  startRate: number;
  /** Ramp factor between probes while no bracket exists. */
  growth: number;
  /** Converged when upper − sustainable ≤ tolerance × sustainable (0.1: within 10 %). */
  tolerance: number;
  maxProbes: number;
  minRate: number;
  maxRate: number;
}

/**
 * 10 %: each halving of the bracket costs a probe, and two runs on the shared 2-core machine here
 * differed by more than that (docs/capacity.md), so a finer bracket would resolve noise. From
 * 50/s a stack of ~400/s takes 4 ramp probes and 3–5 bisections.
 */
export const DEFAULT_SEARCH: SearchParams = {
  startRate: 50,
  growth: 2,
  tolerance: 0.1,
  maxProbes: 16,
  minRate: 1,
  maxRate: 100_000,
};

export type Probe = (rate: number, phase: ProbeRecord['phase']) => Promise<Omit<ProbeRecord, 'n' | 'phase'>>;

export interface SearchDeps {
  /** Milliseconds, monotonic. */
  now: () => number;
  /** One progress line per probe. */
  log: (line: string) => void;
  /** Checked before each probe: a set signal ends the search with what it has. */
  signal?: AbortSignal;
  /** Prefix of each progress line, e.g. 'size 2'. */
  label?: string;
}

export async function searchSustainable(
  probe: Probe,
  params: SearchParams,
  deps: SearchDeps,
): Promise<SearchOutcome> {
  const t0 = deps.now();
  const probes: ProbeRecord[] = [];
  let lo = 0;
  let hi: number | null = null;
  let hiReason: SearchOutcome['upperReason'] = null;
  let stoppedBy: SearchOutcome['stoppedBy'] = 'probe-budget';
  /** A probe that did not pass, awaiting its confirmation at the same rate. */
  let pending: ProbeRecord | null = null;
  const done = (): boolean => hi !== null && lo > 0 && hi - lo <= params.tolerance * lo;
  while (probes.length < params.maxProbes) {
    if (deps.signal?.aborted) {
      stoppedBy = 'interrupted';
      break;
    }
    if (done()) {
      stoppedBy = 'tolerance';
      break;
    }
    let rate: number;
    let phase: ProbeRecord['phase'] = 'ramp';
    if (pending !== null) {
      phase = 'confirm';
      rate = pending.offeredRate;
    } else if (lo === 0 && hi === null) rate = clampRate(params.startRate, params);
    else if (hi === null) {
      if (lo >= params.maxRate) {
        stoppedBy = 'max-rate';
        break;
      }
      rate = clampRate(lo * params.growth, params);
    } else if (lo === 0) {
      if (hi <= params.minRate) {
        stoppedBy = 'min-rate';
        break;
      }
      rate = clampRate(hi / params.growth, params);
    } else {
      phase = 'bisect';
      rate = Math.round((lo + hi) / 2);
      // Whole page views per second cannot split the bracket further.
      if (rate <= lo || rate >= hi) {
        stoppedBy = 'tolerance';
        break;
      }
    }
    const started = deps.now();
    const r = await probe(rate, phase);
    // A probe cut short by Ctrl-C measured less than it was asked to: it does not count.
    if (deps.signal?.aborted) {
      stoppedBy = 'interrupted';
      break;
    }
    const rec: ProbeRecord = { n: probes.length + 1, phase, ...r };
    probes.push(rec);
    const first = pending;
    pending = null;
    if (rec.verdict === 'pass') lo = Math.max(lo, rate);
    else if (first === null && probes.length < params.maxProbes) pending = rec;
    else if (hi === null || rate < hi) {
      hi = rate;
      // The generator is blamed only when neither probe at this rate was a clean failure of the stack.
      hiReason = rec.verdict === 'fail' || first?.verdict === 'fail' ? 'slo' : 'generator';
    }
    deps.log(progressLine(rec, params.maxProbes, (deps.now() - started) / 1000, deps.label));
  }
  // Interrupted before its confirmation: the failure bounds the bracket unconfirmed (conservative).
  if (pending !== null && (hi === null || pending.offeredRate < hi)) {
    hi = pending.offeredRate;
    hiReason = pending.verdict === 'inconclusive' ? 'generator' : 'slo';
  }
  if (stoppedBy === 'probe-budget' && done()) stoppedBy = 'tolerance';
  return {
    sustainableRate: lo,
    upperRate: hi,
    upperReason: hiReason,
    converged: stoppedBy === 'tolerance',
    stoppedBy,
    confirmations: probes.filter((p) => p.phase === 'confirm').length,
    probes,
    elapsedS: Math.round(deps.now() - t0) / 1000,
  };
}

function clampRate(r: number, p: SearchParams): number {
  return Math.min(p.maxRate, Math.max(p.minRate, Math.round(r)));
}

/** `size 1: probe 3/16 ramp 200/s for 5.0 s: pass — 200/s done, p99 23.1 ms, errors 0 % (6.1 s)` */
export function progressLine(r: ProbeRecord, max: number, tookS: number, label?: string): string {
  const head = `${label === undefined ? '' : `${label}: `}probe ${r.n}/${max} ${r.phase} ${r.offeredRate}/s for ${r.durationS.toFixed(1)} s`;
  const figures = `${Math.round(r.achievedRate)}/s done, p99 ${(r.latencyUs.p99 / 1000).toFixed(1)} ms, errors ${r.errorsPct} %`;
  const why = r.reasons.length === 0 ? '' : ` (${r.reasons.join('; ')})`;
  return `${head}: ${r.verdict} — ${figures}${why} [${tookS.toFixed(1)} s]`;
}
