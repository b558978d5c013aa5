import { FkError } from '../errors.js';
import type { BenchResultCore, LatencySummary } from './api.js';

/**
 * Pass/fail checks on a result, for CI gates (k6's thresholds, its most-used CI feature):
 * `--expect 'p99<50ms,errors<0.1%,rate>1000'`. Pure: parse once, check any result — the capacity
 * command checks its SLO with the same two functions. The grammar, per comma-separated check:
 *
 *   [CLASS.]STAT OP VALUE[UNIT]
 *   STAT   p50 p90 p99 p999 max mean (latency: corrected in open loop)  | errors | rate
 *   CLASS  page, asset, url (a URL class of the result) or load (page load: HTML + all assets)
 *   OP     <  <=  >  >=
 *   UNIT   latency: us µs ms s (bare: ms, as k6) · errors: % (of requests sent) or bare count ·
 *          rate: bare or /s (page views/s with --page, else requests/s)
 *
 * `errors` counts what a user would call failed: transport errors (refused, reset, timeout, ...)
 * and responses with status >= 400 — k6's http_req_failed; retried stale connections are not.
 */
export type LatencyStat = 'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean';
export type ThresholdUnit = 'us' | '%' | 'count' | '/s';

export interface Threshold {
  /** The check as written (spaces removed): 'p99<50ms'. */
  text: string;
  /** 'page', 'asset', 'url', 'load', or undefined for all requests. */
  cls: string | undefined;
  stat: LatencyStat | 'errors' | 'rate';
  op: '<' | '<=' | '>' | '>=';
  /** In the unit below: µs for latency, percent or a count for errors, per second for rate. */
  limit: number;
  unit: ThresholdUnit;
}

export interface ThresholdResult {
  threshold: string;
  ok: boolean;
  /** What was measured, in `unit`; null when the result has nothing to measure it on. */
  actual: number | null;
  limit: number;
  unit: ThresholdUnit;
}

const LATENCY: readonly string[] = ['p50', 'p90', 'p99', 'p999', 'max', 'mean'];
export const THRESHOLD_CLASSES: readonly string[] = ['page', 'asset', 'url', 'load'];
const CHECK = /^(?:([a-z]+)\.)?([a-z0-9.]+)(<=|>=|<|>)(\d+(?:\.\d+)?)([a-zµ%/]*)$/i;
const TIME_UNITS: Record<string, number> = { us: 1, µs: 1, ms: 1000, s: 1e6, '': 1000 };

/** Parses `--expect`; every malformed check is reported together (E_BAD_THRESHOLD). */
export function parseThresholds(text: string): Threshold[] {
  const out: Threshold[] = [];
  const problems: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.replace(/\s+/g, '');
    if (item === '') continue;
    const m = CHECK.exec(item);
    if (m === null) {
      problems.push(`'${item}' is not METRIC<VALUE (e.g. p99<50ms)`);
      continue;
    }
    const [, cls, rawStat, op, num, rawUnit] = m as unknown as [
      string,
      string | undefined,
      string,
      Threshold['op'],
      string,
      string,
    ];
    const stat = rawStat.toLowerCase() === 'p99.9' ? 'p999' : rawStat.toLowerCase();
    const unit = rawUnit.toLowerCase();
    const value = Number(num);
    const t = { text: item, cls: cls?.toLowerCase(), op };
    if (t.cls !== undefined && !THRESHOLD_CLASSES.includes(t.cls)) {
      problems.push(`'${item}': unknown class '${cls}' (${THRESHOLD_CLASSES.join(', ')})`);
    } else if (LATENCY.includes(stat)) {
      const scale = TIME_UNITS[unit];
      if (scale === undefined) problems.push(`'${item}': a latency takes us, ms or s, not '${rawUnit}'`);
      else out.push({ ...t, stat: stat as LatencyStat, limit: value * scale, unit: 'us' });
    } else if (stat === 'errors' || stat === 'rate') {
      if (t.cls !== undefined)
        problems.push(`'${item}': ${stat} is checked for the whole run, not per class`);
      else if (stat === 'errors' && (unit === '%' || unit === ''))
        out.push({ ...t, stat, limit: value, unit: unit === '%' ? '%' : 'count' });
      else if (stat === 'rate' && (unit === '' || unit === '/s'))
        out.push({ ...t, stat, limit: value, unit: '/s' });
      else
        problems.push(
          `'${item}': ${stat} takes ${stat === 'errors' ? '% or a count' : 'a number per second'}`,
        );
    } else {
      problems.push(`'${item}': unknown metric '${rawStat}' (${[...LATENCY, 'errors', 'rate'].join(', ')})`);
    }
  }
  if (problems.length > 0) throw new FkError('E_BAD_THRESHOLD', `--expect: ${problems.join('; ')}`);
  if (out.length === 0) throw new FkError('E_BAD_THRESHOLD', '--expect: no check given');
  return out;
}

/** Failed requests: transport errors plus responses with status >= 400. */
export function failedRequests(r: BenchResultCore): { failed: number; attempted: number } {
  let bad = 0;
  for (const [code, n] of Object.entries(r.statusCodes)) if (Number(code) >= 400) bad += n;
  return { failed: r.totals.errors + bad, attempted: r.totals.requests + r.totals.errors };
}

/** The value a threshold looks at, or null when the result has none (a class it did not measure). */
export function measure(r: BenchResultCore, t: Threshold): number | null {
  if (t.stat === 'rate') return r.pageLoad !== undefined ? r.rates.pageViewsPerS : r.rates.requestsPerS;
  if (t.stat === 'errors') {
    const { failed, attempted } = failedRequests(r);
    if (t.unit === 'count') return failed;
    return attempted === 0 ? null : (100 * failed) / attempted;
  }
  let l: LatencySummary | undefined;
  if (t.cls === undefined) l = r.latency;
  else if (t.cls === 'load') l = r.pageLoad;
  else l = r.classes[t.cls]?.latency;
  return l === undefined || l.count === 0 ? null : l[t.stat];
}

const PASSES = {
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
};

export function checkThresholds(r: BenchResultCore, thresholds: Threshold[]): ThresholdResult[] {
  return thresholds.map((t) => verdict(t, measure(r, t)));
}

/** --repeat: each check on the median of its value over the runs (one noisy run neither passes nor fails it). */
export function checkThresholdsMedian(runs: BenchResultCore[], thresholds: Threshold[]): ThresholdResult[] {
  return thresholds.map((t) => {
    const values = runs.map((r) => measure(r, t)).filter((v): v is number => v !== null);
    return verdict(t, values.length === 0 ? null : median(values));
  });
}

function verdict(t: Threshold, actual: number | null): ThresholdResult {
  return {
    threshold: t.text,
    ok: actual !== null && PASSES[t.op](actual, t.limit),
    actual,
    limit: t.limit,
    unit: t.unit,
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Why the run measured nothing useful, or null: no response at all, every request failed, or
 * (with --page) no page view completed. The CLI exits non-zero then (docs/cli.md, exit codes).
 */
export function runFailure(r: BenchResultCore): string | null {
  const { failed, attempted } = failedRequests(r);
  if (attempted === 0) return 'no request completed in the measured window';
  if (failed === attempted) return `every request failed (${failed} of ${attempted})`;
  if (r.pageLoad !== undefined && r.totals.pageViews === 0) return 'no page view completed';
  return null;
}
