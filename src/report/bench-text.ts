import type { LatencySummary } from '../bench/api.js';
import type { BenchResult } from '../bench/result.js';
import type { ThresholdResult } from '../bench/thresholds.js';
import { formatRate } from './format.js';

/** Rendering only: a bench result in, text out (the CLI prints it; the ladder may quote it). */

/** Microseconds as a human reads them: 850µs, 12.3ms, 1.20s. */
export function formatUs(us: number): string {
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`;
  return `${(us / 1e6).toFixed(2)}s`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const COLS = ['mean', 'stdev', 'p50', 'p90', 'p99', 'p999', 'max'] as const;

function latencyRow(name: string, l: LatencySummary): string {
  return `  ${name.padEnd(13)}${COLS.map((c) => formatUs(l[c]).padStart(9)).join('')}${String(l.count).padStart(10)}`;
}

export function renderProgress(p: { elapsedMs: number; requests: number; errors: number }): string {
  const s = p.elapsedMs / 1000;
  const rate = s > 0 ? p.requests / s : 0;
  return `  ${s.toFixed(1)}s  ${p.requests} responses  ${formatRate(rate)} req/s  ${p.errors} errors`;
}

export function renderSummary(r: BenchResult): string {
  const o = r.options;
  const out: string[] = [];
  const mode = o.mode === 'open' ? `open loop at ${o.rate}/s` : 'closed loop';
  out.push(
    `flickr-killr bench: ${o.urls.join(' ')}`,
    `  ${o.connections} virtual users on ${o.threads} thread(s), ${mode}${o.pipelining > 1 ? `, pipelining ${o.pipelining}` : ''}${o.page ? ', browser mode' : ''}; measured ${r.durationS.toFixed(2)}s${o.warmupMs > 0 ? ` after ${o.warmupMs / 1000}s warm-up` : ''}`,
    '',
    `  requests/s   ${formatRate(r.rates.requestsPerS).padStart(12)}   (${r.totals.requests} requests)`,
  );
  if (o.page)
    out.push(
      `  page views/s ${formatRate(r.rates.pageViewsPerS).padStart(12)}   (${r.totals.pageViews} page views, ${r.pageViewsFailed} failed)`,
    );
  out.push(`  transfer/s   ${formatBytes(r.rates.bytesPerS).padStart(12)}`, '');
  out.push(`  latency      ${COLS.map((c) => c.padStart(9)).join('')}     count`);
  out.push(latencyRow(o.mode === 'open' ? 'corrected' : 'all', r.latency));
  if (o.mode === 'open') out.push(latencyRow('uncorrected', r.latencyUncorrected));
  if (r.pageLoad) out.push(latencyRow('page load', r.pageLoad));
  const classes = Object.entries(r.classes);
  if (classes.length > 1) for (const [k, v] of classes) out.push(latencyRow(`  ${k}`, v.latency));
  out.push('');
  const codes = Object.entries(r.statusCodes)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  out.push(`  status codes  ${codes === '' ? 'none' : codes}`);
  const errors = Object.entries(r.errors)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  out.push(`  errors        ${errors === '' ? 'none' : errors}`);
  const retried = r.totals.retriedOnStaleConnection ?? 0;
  if (retried > 0)
    out.push(
      `  retried       ${retried} request(s) lost by a stale keep-alive connection, sent again on a new one (not errors)`,
    );
  if (r.tls)
    out.push(
      `  TLS           ${r.tls.handshakes} handshake(s), ${r.tls.resumed} resumed; handshake p50 ${formatUs(r.tls.handshake.p50)}, p99 ${formatUs(r.tls.handshake.p99)}`,
    );
  const timing = Object.entries(r.serverTiming);
  if (timing.length > 0)
    out.push(
      `  Server-Timing ${timing.map(([k, v]) => `${k} ${v.meanMs.toFixed(2)}ms (${v.count})`).join(', ')}`,
    );
  const g = r.generator;
  out.push(
    `  generator     ${g.cpuPerRequestUs.toFixed(1)}µs CPU/request, event loop ${g.elu.map((u) => `${Math.round(u * 100)}%`).join('/')} busy${g.threadCpu.length > 0 && g.threadCpu.every((c) => c >= 0) ? `, ${g.threadCpu.map((c) => `${Math.round(c * 100)}%`).join('/')} of a core` : ''}, first request after ${g.firstRequestMs.toFixed(0)}ms`,
  );
  for (const w of g.warnings) out.push(`  WARNING: ${w}`);
  return `${out.join('\n')}\n`;
}

/** A threshold's value in its own unit: 12.3ms, 0.25%, 3, 1,234/s. */
function thresholdValue(v: number, unit: ThresholdResult['unit']): string {
  if (unit === 'us') return formatUs(v);
  if (unit === '%') return `${v < 0.01 && v > 0 ? v.toPrecision(2) : v.toFixed(2)}%`;
  if (unit === '/s') return `${formatRate(v)}/s`;
  return String(v);
}

/** One line per --expect check, pass or FAIL, with what was measured. */
export function renderThresholds(results: ThresholdResult[]): string {
  const w = Math.max(...results.map((t) => t.threshold.length));
  const lines = results.map(
    (t) =>
      `  ${t.ok ? 'pass' : 'FAIL'}  ${t.threshold.padEnd(w)}  measured ${t.actual === null ? 'nothing (no such requests in the run)' : thresholdValue(t.actual, t.unit)}`,
  );
  const failed = results.filter((t) => !t.ok).length;
  return `\n  thresholds (--expect): ${failed === 0 ? 'all passed' : `${failed} of ${results.length} failed`}\n${lines.join('\n')}\n`;
}

/** One line per finished run of --repeat (on stderr while the next one runs). */
export function renderRunLine(i: number, n: number, r: BenchResult): string {
  const rate = r.pageLoad
    ? `${formatRate(r.rates.pageViewsPerS)} page views/s`
    : `${formatRate(r.rates.requestsPerS)} req/s`;
  return `  run ${i + 1}/${n}: ${rate}, p50 ${formatUs(r.latency.p50)}, p99 ${formatUs(r.latency.p99)}, ${r.totals.errors} errors`;
}

const FIGURE_NAMES: Record<string, [string, (v: number) => string]> = {
  requestsPerS: ['requests/s', formatRate],
  pageViewsPerS: ['page views/s', formatRate],
  latencyP50: ['latency p50', formatUs],
  latencyP99: ['latency p99', formatUs],
  pageLoadP50: ['page load p50', formatUs],
  pageLoadP99: ['page load p99', formatUs],
  errors: ['errors', String],
};

/** --repeat: each headline figure as median (min–max) over the runs. */
export function renderRepeat(r: BenchResult): string {
  const rep = r.repeat!;
  const out = [`  over ${rep.count} runs        median      min – max`];
  for (const [k, s] of Object.entries(rep.figures)) {
    const [name, fmt] = FIGURE_NAMES[k] ?? [k, String];
    out.push(`  ${name.padEnd(16)}${fmt(s.median).padStart(10)}   ${fmt(s.min)} – ${fmt(s.max)}`);
  }
  return `\n${out.join('\n')}\n  (the figures above are all ${rep.count} runs merged)\n`;
}

function change(a: number, b: number): string {
  if (a === b) return '=';
  if (a === 0) return 'new';
  const pct = ((b - a) / a) * 100;
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

/** Two results side by side with the relative change of each figure. */
export function renderCompare(a: BenchResult, b: BenchResult, nameA: string, nameB: string): string {
  const rows: [string, string, string, string][] = [];
  const num = (label: string, x: number, y: number, fmt: (n: number) => string) =>
    rows.push([label, fmt(x), fmt(y), change(x, y)]);
  num('requests/s', a.rates.requestsPerS, b.rates.requestsPerS, formatRate);
  if (a.options.page || b.options.page)
    num('page views/s', a.rates.pageViewsPerS, b.rates.pageViewsPerS, formatRate);
  num('transfer/s', a.rates.bytesPerS, b.rates.bytesPerS, formatBytes);
  for (const c of COLS) num(`latency ${c}`, a.latency[c], b.latency[c], formatUs);
  if (a.pageLoad && b.pageLoad)
    for (const c of ['p50', 'p99'] as const) num(`page load ${c}`, a.pageLoad[c], b.pageLoad[c], formatUs);
  num('errors', a.totals.errors, b.totals.errors, String);
  const kinds = new Set([...Object.keys(a.errors), ...Object.keys(b.errors)]);
  for (const k of kinds) num(`  ${k}`, a.errors[k] ?? 0, b.errors[k] ?? 0, String);
  const ra = a.totals.retriedOnStaleConnection ?? 0;
  const rb = b.totals.retriedOnStaleConnection ?? 0;
  if (ra > 0 || rb > 0) num('retried (stale keep-alive)', ra, rb, String);
  num('CPU µs/request', a.generator.cpuPerRequestUs, b.generator.cpuPerRequestUs, (n) => n.toFixed(1));
  const w = [
    Math.max(...rows.map((r) => r[0].length), 6),
    Math.max(...rows.map((r) => r[1].length), nameA.length),
    Math.max(...rows.map((r) => r[2].length), nameB.length),
  ];
  const line = (r: string[]) =>
    `  ${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)}  ${r[2]!.padStart(w[2]!)}  ${r[3]!.padStart(8)}`;
  return `${[line(['', nameA, nameB, 'change']), ...rows.map(line)].join('\n')}\n`;
}
