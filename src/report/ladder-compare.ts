/**
 * Two ladder reports side by side, stage by stage — for tracking a regression between runs (two
 * builds, two machines, before and after a change): the page-view rate and page-load p99 of each,
 * their ratios B/A, and whether the diagnosis changed. Runs present in only one report are listed
 * as such. Pure: reports in, text out.
 */

import { formatRate } from './format.js';
import { formatRatio, formatUs, isMeasured, renderTable } from './ladder-table.js';
import type { LadderReport, StageRunReport } from './report-types.js';

export interface CompareRow {
  id: string;
  label: string;
  a: StageRunReport | undefined;
  b: StageRunReport | undefined;
  /** B's page views/s over A's, when both were measured. */
  rateRatio?: number;
  /** B's page-load p99 over A's (below 1: B is faster). */
  p99Ratio?: number;
  /** What changed in the diagnosis, or in the run's status. */
  verdict: string;
}

const loadP99 = (r: StageRunReport) => (r.bench?.pageLoad ?? r.bench?.latency)?.p99;

function verdict(a: StageRunReport | undefined, b: StageRunReport | undefined): string {
  if (a === undefined) return 'only in B';
  if (b === undefined) return 'only in A';
  if (!isMeasured(a) || !isMeasured(b)) {
    if (a.status === b.status) return `${a.status} in both`;
    return `${a.status} → ${b.status}${b.status !== 'ok' && b.reason ? `: ${b.reason}` : ''}`;
  }
  const x = a.diagnosis?.bottleneck ?? '–';
  const y = b.diagnosis?.bottleneck ?? '–';
  return x === y ? `same: ${x}` : `${x} → ${y}`;
}

/** Rows in A's order, then the runs only B has, in B's order. */
export function compareLadders(a: LadderReport, b: LadderReport): CompareRow[] {
  const byId = (r: LadderReport) => new Map(r.runs.map((x) => [x.id, x]));
  const ia = byId(a);
  const ib = byId(b);
  const ids = [...ia.keys(), ...[...ib.keys()].filter((id) => !ia.has(id))];
  return ids.map((id) => {
    const x = ia.get(id);
    const y = ib.get(id);
    const row: CompareRow = { id, label: (x ?? y)!.label, a: x, b: y, verdict: verdict(x, y) };
    if (x !== undefined && y !== undefined && isMeasured(x) && isMeasured(y)) {
      const ra = x.bench.rates.pageViewsPerS;
      if (ra > 0) row.rateRatio = y.bench.rates.pageViewsPerS / ra;
      const pa = loadP99(x);
      const pb = loadP99(y);
      if (pa !== undefined && pb !== undefined && pa > 0) row.p99Ratio = pb / pa;
    }
    return row;
  });
}

/** The settings that make two ladders comparable; each difference is named above the table. */
function optionDifferences(a: LadderReport, b: LadderReport): string[] {
  const out: string[] = [];
  const o = (r: LadderReport) => r.options;
  const pairs: [string, unknown, unknown][] = [
    ['quick', o(a).quick, o(b).quick],
    ['users', o(a).users, o(b).users],
    ['virtual users', o(a).connections, o(b).connections],
    ['duration', `${o(a).durationMs / 1000} s`, `${o(b).durationMs / 1000} s`],
    ['cores', a.machine.cores, b.machine.cores],
    ['CPU', a.machine.cpuModel, b.machine.cpuModel],
    ['Node', a.machine.node, b.machine.node],
  ];
  for (const [name, x, y] of pairs) if (x !== y) out.push(`${name}: ${String(x)} vs ${String(y)}`);
  return out;
}

const cellRate = (r: StageRunReport | undefined) =>
  r === undefined ? '' : isMeasured(r) ? formatRate(r.bench.rates.pageViewsPerS) : r.status;
const cellP99 = (r: StageRunReport | undefined) =>
  r !== undefined && isMeasured(r) ? formatUs(loadP99(r)) : '';
const ratio = (x: number | undefined) => (x === undefined ? '' : formatRatio(x));

export function renderLadderCompare(a: LadderReport, b: LadderReport, nameA: string, nameB: string): string {
  const rows = compareLadders(a, b);
  const head = [
    'stage',
    'A page views/s',
    'B page views/s',
    'B/A',
    'A load p99',
    'B load p99',
    'B/A',
    'what changed',
  ];
  const body = rows.map((r) => [
    r.label,
    cellRate(r.a),
    cellRate(r.b),
    ratio(r.rateRatio),
    cellP99(r.a),
    cellP99(r.b),
    ratio(r.p99Ratio),
    r.verdict,
  ]);
  const out = [
    `A: ${nameA} (${a.startedAt})`,
    `B: ${nameB} (${b.startedAt})`,
    '',
    renderTable([head, ...body], new Set([1, 2, 3, 4, 5, 6])),
    '',
    'B/A: page views/s above 1× is B faster; load p99 below 1× is B faster. "what changed": the',
    "diagnosis's bottleneck (A → B), or the run's status.",
  ];
  const diff = optionDifferences(a, b);
  if (diff.length > 0)
    out.push('', `Not measured alike (${diff.join('; ')}): compare these ratios with care.`);
  return `${out.join('\n')}\n`;
}
