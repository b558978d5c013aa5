import { availableParallelism } from 'node:os';
import { FkError } from '../errors.js';
import type { BenchOptions } from './api.js';
import { resolveOptions } from './options.js';
import { mergeSnapshots } from './recorder.js';
import { type BenchResult, buildResult, snapshotOf } from './result.js';
import { type BenchHooks, runBench } from './run.js';
import { median } from './thresholds.js';

/**
 * --repeat N: the same benchmark N times in a row, so that a figure comes with its spread. On a
 * shared 2-core machine one run's requests/s moves by ±5–10 % from run to run (bench/README.md);
 * the median of N with its min–max says how much of a difference between two builds is noise.
 */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface RepeatSummary {
  count: number;
  /** The headline figures of each run, as median and min–max. */
  figures: Record<string, Spread>;
  /** Every run's own result (without its own `repeat`). */
  runs: BenchResult[];
}

/** The figures --repeat reports the spread of; page-load ones with --page only. */
export function headlineFigures(r: BenchResult): Record<string, number> {
  const f: Record<string, number> = {
    requestsPerS: r.rates.requestsPerS,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
    errors: r.totals.errors,
  };
  if (r.pageLoad !== undefined) {
    f.pageViewsPerS = r.rates.pageViewsPerS;
    f.pageLoadP50 = r.pageLoad.p50;
    f.pageLoadP99 = r.pageLoad.p99;
  }
  return f;
}

export function spreadOf(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * All runs as one result: the runs' histograms and counts merged exactly (their measured windows
 * add up, so rates are over the whole measured time), plus `repeat` with each run and the spread.
 */
export function combineRuns(opts: BenchOptions, runs: BenchResult[]): BenchResult {
  const first = runs[0];
  if (first === undefined) throw new FkError('E_INTERNAL', 'combineRuns: no run');
  const o = resolveOptions(opts);
  const cpu = { user: 0, system: 0 };
  for (const r of runs) {
    cpu.user += r.generator.cpuUserS * 1e6;
    cpu.system += r.generator.cpuSystemS * 1e6;
  }
  const merged = buildResult(
    mergeSnapshots(
      runs.map((r) => snapshotOf(r)),
      true,
    ),
    o,
    {
      startedAt: new Date(first.startedAt),
      cpu,
      wallMs: runs.reduce((s, r) => s + r.durationS * 1000, 0),
      firstRequestMs: first.generator.firstRequestMs,
      cores: availableParallelism(),
    },
  );
  const names = Object.keys(headlineFigures(first));
  const figures: Record<string, Spread> = {};
  for (const k of names) figures[k] = spreadOf(runs.map((r) => headlineFigures(r)[k]!));
  // A warning of any run stays visible, said once, with the runs it came from.
  const warnings = new Map<string, number[]>();
  runs.forEach((r, i) => {
    for (const w of r.generator.warnings) warnings.set(w, [...(warnings.get(w) ?? []), i + 1]);
  });
  merged.generator.warnings = [...warnings].map(([w, at]) =>
    at.length === runs.length ? w : `run ${at.join(', ')}: ${w}`,
  );
  merged.generator.saturated = runs.some((r) => r.generator.saturated);
  merged.repeat = { count: runs.length, figures, runs };
  return merged;
}

/** Runs the benchmark `n` times, one after the other; an abort ends the current run and the rest. */
export async function runBenchRepeated(
  opts: BenchOptions,
  n: number,
  hooks: BenchHooks & { onRun?: (i: number, r: BenchResult) => void } = {},
): Promise<BenchResult> {
  const runs: BenchResult[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && hooks.signal?.aborted) break;
    const r = await runBench(opts, hooks);
    runs.push(r);
    hooks.onRun?.(i, r);
  }
  return combineRuns(opts, runs);
}
