/**
 * The terminal table of a ladder report: our figures beside the talk's, the speedups (ours and
 * theirs), and one line of diagnosis per stage. Pure: report in, text out (no colours, so it
 * reads the same in a log file and in CI).
 */
import type { LadderReport, StageRunReport } from './report-types.js';

/** Microseconds → '840 µs', '3.2 ms', '312 ms', '1.25 s'. */
export function formatUs(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return '–';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 10_000) return `${(us / 1000).toFixed(1)} ms`;
  if (us < 1_000_000) return `${Math.round(us / 1000)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

export function formatRate(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
}

export function formatRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return x >= 1 ? `${x.toFixed(x >= 10 ? 0 : 1)}×` : `1/${(1 / x).toFixed(1)}×`;
}

const HEAD = [
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
  'bottleneck',
];
/** Numeric columns are right-aligned. */
const RIGHT = new Set([1, 2, 3, 4, 5, 7, 8, 9]);

function row(r: StageRunReport): string[] {
  const talk = r.talk ? `${r.talk.requestsPerS} (${r.talk.version})` : '';
  if (r.status !== 'ok' || r.bench === undefined) {
    return [r.label, talk, '', '', '', '', '', '', '', '', r.status];
  }
  const b = r.bench;
  return [
    r.label,
    talk,
    formatRate(b.rates.pageViewsPerS),
    formatRate(b.rates.requestsPerS),
    formatUs(b.pageLoad?.p50 ?? b.latency.p50),
    formatUs(b.pageLoad?.p99 ?? b.latency.p99),
    r.baseline ?? '',
    r.speedup === undefined ? '' : formatRatio(r.speedup),
    r.talkSpeedup === undefined ? '' : formatRatio(r.talkSpeedup),
    r.cpuPerPageViewMs === undefined
      ? '–'
      : `${r.cpuPerPageViewMs.toFixed(r.cpuPerPageViewMs >= 10 ? 0 : 2)} ms`,
    r.diagnosis?.bottleneck ?? '',
  ];
}

export function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => {
        const pad = widths[c]! - [...cell].length;
        return RIGHT.has(c) ? ' '.repeat(pad) + cell : cell + ' '.repeat(pad);
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
