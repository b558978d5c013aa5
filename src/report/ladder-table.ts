import { formatRate } from './format.js';
/**
 * The terminal table of a ladder report: our figures beside the talk's, the speedups (ours and
 * theirs), and one line of diagnosis per stage. Pure: report in, text out (no colours, so it
 * reads the same in a log file and in CI).
 */
import type { BenchSummary, LadderReport, StageRunReport } from './report-types.js';

/** Microseconds → '840 µs', '3.2 ms', '312 ms', '1.25 s'. */
export function formatUs(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return '–';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 10_000) return `${(us / 1000).toFixed(1)} ms`;
  if (us < 1_000_000) return `${Math.round(us / 1000)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

export function formatRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return x >= 1 ? `${x.toFixed(x >= 10 ? 0 : 1)}×` : `1/${(1 / x).toFixed(1)}×`;
}

/** The columns table.txt and the HTML table share: who ran, how fast, against what, at what CPU. */
export const FIGURE_HEAD = [
  'stage',
  'talk req/s',
  'page views/s',
  'req/s',
  'load p50',
  'load p99',
  'vs',
  'ours',
  'talk',
  'CPU/page',
];
const HEAD = [...FIGURE_HEAD, 'bottleneck'];
/** Numeric columns are right-aligned. */
const RIGHT = new Set([1, 2, 3, 4, 5, 7, 8, 9]);

export function talkCell(r: StageRunReport): string {
  if (r.talkRequestsPerS === undefined) return '';
  return r.talkVersion ? `${r.talkRequestsPerS} (${r.talkVersion})` : String(r.talkRequestsPerS);
}

/** FIGURE_HEAD's cells for a measured run. */
export function figureCells(r: StageRunReport & { bench: BenchSummary }): string[] {
  const b = r.bench;
  const load = b.pageLoad ?? b.latency;
  return [
    r.label,
    talkCell(r),
    formatRate(b.rates.pageViewsPerS),
    formatRate(b.rates.requestsPerS),
    formatUs(load.p50),
    formatUs(load.p99),
    r.baseline ?? '',
    r.speedup === undefined ? '' : formatRatio(r.speedup),
    r.talkSpeedup === undefined ? '' : formatRatio(r.talkSpeedup),
    r.cpuPerPageViewMs === undefined
      ? '–'
      : `${r.cpuPerPageViewMs.toFixed(r.cpuPerPageViewMs >= 10 ? 0 : 2)} ms`,
  ];
}

/** A run with figures to show (a failed run may carry a bench result, but no figure). */
export function isMeasured(r: StageRunReport): r is StageRunReport & { bench: BenchSummary } {
  return r.status === 'ok' && r.bench !== undefined;
}

function row(r: StageRunReport): string[] {
  if (!isMeasured(r)) return [r.label, talkCell(r), '', '', '', '', '', '', '', '', r.status];
  return [...figureCells(r), r.diagnosis?.bottleneck ?? ''];
}

/** Columns padded to their widest cell; those in `right` (numbers) right-aligned. */
export function renderTable(rows: string[][], right: ReadonlySet<number> = RIGHT): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => {
        const pad = widths[c]! - [...cell].length;
        return right.has(c) ? ' '.repeat(pad) + cell : cell + ' '.repeat(pad);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

/** The whole terminal report: table, then why each stage is where it is, then what was not run. */
export function ladderTable(report: LadderReport): string {
  const out: string[] = [];
  const o = report.options;
  out.push(
    `flickr-killr ladder — ${o.users.toLocaleString('en-US')} users, ${o.connections} virtual users, ` +
      `${o.durationMs / 1000} s per stage after ${o.warmupMs / 1000} s warm-up${o.quick ? ' (quick)' : ''}`,
  );
  out.push('');
  out.push(renderTable([HEAD, ...report.runs.map(row)]));
  out.push('');
  out.push(
    '"ours"/"talk": speedup over the stage in "vs" (ours in page views/s, the talk\'s in req/s, 2007).',
  );
  out.push('');
  for (const r of report.runs) {
    if (r.status === 'ok' && r.diagnosis) {
      out.push(`${r.label}: ${r.diagnosis.text}`);
      if (r.scaleOut !== undefined) out.push(`  ${fleetScaleOutLine(r.scaleOut)}`);
    } else {
      const install = r.install?.length ? ` — install: ${r.install.join('; ')}` : '';
      out.push(`${r.label}: ${r.status}: ${r.reason ?? 'no reason given'}${install}`);
    }
  }
  out.push('');
  const m = report.machine;
  out.push(
    `Machine: ${m.cores} cores (${m.cpuModel}), ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}. ` +
      'The load generator runs on the same machine and competes with the stack for its cores.',
  );
  if (report.interrupted) out.push('Interrupted: the runs after the interruption were not measured.');
  return `${out.join('\n')}\n`;
}

/**
 * The fleet rung's short scale-out chart in one line, saying how it is shorter than `capacity`'s.
 */
export function fleetScaleOutLine(s: NonNullable<StageRunReport['scaleOut']>): string {
  const sizes = s.sizes
    .map(
      (p) =>
        `${p.size} app host${p.size === 1 ? '' : 's'} ${p.upperRate === null ? '≥ ' : ''}${p.sustainableRate}/s`,
    )
    .join(', ');
  // A size that passed every probe has only a lower bound ("≥"): a ratio of those is no efficiency.
  const unbracketed = s.sizes.some((p) => p.upperRate === null);
  const eff = s.efficiency ?? (unbracketed ? '– (a size not bracketed within its probes)' : '–');
  return (
    `scale-out (sustainable, SLO ${s.slo}): ${sizes}; efficiency ${eff} — short: ` +
    `≤ ${s.maxProbes} probes of ${s.probeMs / 1000} s per size, within ${Math.round(s.tolerance * 100)} % ` +
    '(capacity --lab: sizes 1, 2, 4, up to 16 probes of 5 s, 10 %, overload too).'
  );
}
