/**
 * The capacity run as terminal text (also written as table.txt): the scale-out table, the answer
 * in plain words, the overload curves side by side. Rendering only: the report in, text out.
 */
import type { CapacityReport, OverloadCurve, ScalePoint, SearchOutcome } from './capacity-types.js';
import { formatRate } from './format.js';

export const ms = (us: number) =>
  us >= 10_000 ? `${Math.round(us / 1000)} ms` : `${(us / 1000).toFixed(1)} ms`;
export const pct = (p: number) => `${p >= 1 ? p.toFixed(1) : p.toFixed(2)} %`;

/** Columns padded to their widest cell, two spaces apart; numbers right-aligned. */
export function columns(head: string[], rows: string[][], left = new Set([0])): string[] {
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((x, c) => (left.has(c) ? x.padEnd(w[c]!) : x.padStart(w[c]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

export function bracket(p: ScalePoint): string {
  const s = p.search;
  if (s.upperRate === null) return `≥ ${formatRate(s.sustainableRate)}`;
  const why = s.upperReason === 'generator' ? ' (generator)' : '';
  return `${formatRate(s.sustainableRate)}–${formatRate(s.upperRate)}${why}`;
}

export function saturation(p: ScalePoint): string {
  const shared = p.parts.filter((x) => x.shared);
  if (shared.length === 0) return 'no CPU figures';
  const top = [...shared].sort((a, b) => b.usedCores / b.budgetCores - a.usedCores / a.budgetCores)[0]!;
  const mark = p.saturated.includes(top.name) ? ' SATURATED' : '';
  return `${top.name} ${top.usedCores.toFixed(2)}/${top.budgetCores}${mark}`;
}

/** `12 (4 confirm)`: confirmations count in the budget, so the total says what the size cost. */
export function probeCount(s: SearchOutcome): string {
  const c = s.probes.filter((p) => p.phase === 'confirm').length;
  return c === 0 ? String(s.probes.length) : `${s.probes.length} (${c} confirm)`;
}

function scaleOutLines(r: CapacityReport): string[] {
  const rows = r.scaleOut.map((p) => [
    String(p.size),
    formatRate(p.search.sustainableRate),
    bracket(p),
    formatRate(p.ideal),
    p.efficiency === null ? '–' : p.efficiency.toFixed(2),
    `${probeCount(p.search)}${p.search.converged ? '' : '*'}`,
    `${Math.round(p.search.elapsedS)} s`,
    saturation(p),
  ]);
  return [
    ...columns(
      [
        'size',
        'sustainable/s',
        'bracket',
        'ideal',
        'efficiency',
        'probes',
        'time',
        'busiest shared part (cores/budget)',
      ],
      rows,
      new Set([0, 2, 7]),
    ),
    ...(r.scaleOut.some((p) => !p.search.converged)
      ? ['* not converged: the probe budget ran out first']
      : []),
    `The curve stops: ${r.stopReason}.`,
  ];
}

function overloadLines(curves: OverloadCurve[]): string[] {
  if (curves.length === 0) return ['(not measured)'];
  const base = curves[0]!;
  const head = ['offered/s', '×'];
  for (const c of curves) {
    const tag = c.protect ? `protect ${c.maxInFlight}` : 'unprotected';
    head.push(`${tag}: goodput/s`, 'p99', 'errors', '503s');
  }
  const rows = base.steps.map((s, i) => {
    const cells = [formatRate(s.offeredRate), `${s.multiplier}`];
    for (const c of curves) {
      const x = c.steps[i];
      if (x === undefined) cells.push('–', '–', '–', '–');
      else cells.push(formatRate(x.goodput), ms(x.latencyUs.p99), pct(x.errorsPct), String(x.status503));
    }
    return cells;
  });
  return [
    `At size ${base.size}, sustainable ${formatRate(base.baseRate)} page views/s; goodput = page views within the SLO per second.`,
    ...columns(head, rows, new Set()),
  ];
}

export function capacityTable(r: CapacityReport): string {
  const t = r.target;
  return [
    `flickr-killr capacity — ${t.kind} ${t.name} (size = ${t.sizeUnit}), SLO ${r.options.slo}${r.interrupted ? ' — INTERRUPTED' : ''}`,
    '',
    'Scale-out: sustainable page views/s per size',
    ...scaleOutLines(r),
    '',
    'The answer',
    ...r.answer.lines.map((l) => `  ${l}`),
    '',
    'Overload (open loop, 0.5× to 3× the sustainable rate)',
    ...overloadLines(r.overload),
    '',
  ].join('\n');
}
