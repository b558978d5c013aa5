/**
 * Line charts for the capacity report (rate against size, goodput against offered load), drawn as
 * inline SVG under the same rules as svg-charts.ts: no script, two layouts ('wide' 760 units,
 * 'narrow' 360 for phones; CSS shows the one that fits), role="img" with a label that points at
 * the table of the same numbers (lineFigure), palette colours (≥ 3:1 on white), and a marker shape
 * per series besides its colour, so two series never differ by colour alone (WCAG 1.4.1).
 */
import { escapeXml as esc } from './escape.js';
import { htmlTable } from './html-table.js';

export type Marker = 'circle' | 'square' | 'triangle' | 'diamond';

export interface LineSeries {
  name: string;
  color: string;
  marker: Marker;
  /** A reference line (ideal, capacity) rather than a measurement. */
  dashed?: boolean;
  points: Array<[number, number]>;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** x counts whole things (app hosts, processes): ticks at whole numbers only, never "0.5 hosts". */
  integerX?: boolean;
}

type Layout = 'wide' | 'narrow';
const GEOMETRY: Record<
  Layout,
  { w: number; h: number; left: number; legendPerRow: number; legendW: number }
> = {
  wide: { w: 760, h: 320, left: 64, legendPerRow: 3, legendW: 220 },
  narrow: { w: 360, h: 300, left: 52, legendPerRow: 1, legendW: 300 },
};
const RIGHT = 16;
const BOTTOM = 44;

/** 1, 2 or 5 × a power of ten: about `n` steps from 0 to at least `max`. */
export function niceStep(max: number, n = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

const tick = (v: number) =>
  v >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100);

function marker(m: Marker, x: number, y: number, color: string, title: string): string {
  const t = `<title>${esc(title)}</title>`;
  const xs = x.toFixed(1);
  const ys = y.toFixed(1);
  if (m === 'circle') return `<circle cx="${xs}" cy="${ys}" r="4" fill="${color}">${t}</circle>`;
  if (m === 'square')
    return `<rect x="${(x - 4).toFixed(1)}" y="${(y - 4).toFixed(1)}" width="8" height="8" fill="${color}">${t}</rect>`;
  const pts =
    m === 'triangle'
      ? [
          [x, y - 5],
          [x + 5, y + 4],
          [x - 5, y + 4],
        ]
      : [
          [x, y - 5],
          [x + 5, y],
          [x, y + 5],
          [x - 5, y],
        ];
  return `<polygon points="${pts.map(([a, b]) => `${a!.toFixed(1)},${b!.toFixed(1)}`).join(' ')}" fill="${color}">${t}</polygon>`;
}

export function lineChart(spec: LineChartSpec, layout: Layout = 'wide'): string {
  const g = GEOMETRY[layout];
  const all = spec.series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const yMax = Math.max(1, ...all.map((p) => p[1]));
  const xStep = spec.integerX ? Math.max(1, niceStep(xMax)) : niceStep(xMax);
  const yStep = niceStep(yMax);
  const xTop = Math.ceil(xMax / xStep) * xStep;
  const yTop = Math.ceil(yMax / yStep) * yStep;
  const legendRows = Math.ceil(spec.series.length / g.legendPerRow);
  const top = 12 + legendRows * 16 + 10;
  const plotW = g.w - g.left - RIGHT;
  const plotH = g.h - top - BOTTOM;
  const X = (v: number) => g.left + (v / xTop) * plotW;
  const Y = (v: number) => top + plotH - (v / yTop) * plotH;
  const parts: string[] = [];
  spec.series.forEach((s, i) => {
    const lx = g.left + (i % g.legendPerRow) * g.legendW;
    const ly = 12 + Math.floor(i / g.legendPerRow) * 16;
    parts.push(
      `<line x1="${lx}" y1="${ly + 5}" x2="${lx + 22}" y2="${ly + 5}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      marker(s.marker, lx + 11, ly + 5, s.color, s.name),
      `<text x="${lx + 28}" y="${ly + 9}" class="legend">${esc(s.name)}</text>`,
    );
  });
  for (let v = 0; v <= yTop + 1e-9; v += yStep) {
    parts.push(
      `<line x1="${g.left}" y1="${Y(v).toFixed(1)}" x2="${g.w - RIGHT}" y2="${Y(v).toFixed(1)}" class="grid"/>`,
    );
    parts.push(
      `<text x="${g.left - 6}" y="${(Y(v) + 4).toFixed(1)}" class="tick" text-anchor="end">${tick(v)}</text>`,
    );
  }
  for (let v = 0; v <= xTop + 1e-9; v += xStep)
    parts.push(
      `<text x="${X(v).toFixed(1)}" y="${top + plotH + 16}" class="tick" text-anchor="middle">${tick(v)}</text>`,
    );
  parts.push(
    `<text x="${g.left + plotW / 2}" y="${g.h - 6}" class="tick" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text x="12" y="${top + plotH / 2}" class="tick" text-anchor="middle" transform="rotate(-90 12 ${top + plotH / 2})">${esc(spec.yLabel)}</text>`,
  );
  for (const s of spec.series) {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    if (pts.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${pts.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`,
      );
    for (const [x, y] of pts)
      parts.push(marker(s.marker, X(x), Y(y), s.color, `${s.name}: ${tick(x)} → ${tick(y)}`));
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-${layout}" viewBox="0 0 ${g.w} ${g.h}" role="img" ` +
    `aria-label="${esc(`${spec.title}; the numbers are in the table below the chart`)}"><title>${esc(spec.title)}</title>${parts.join('')}</svg>`
  );
}

/** The chart in both layouts, then the same numbers as a table in a <details> (chart-figure.ts's rule). */
export function lineFigure(spec: LineChartSpec, format: (v: number) => string): string {
  const xs = [...new Set(spec.series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const rows = xs.map((x) => ({
    cells: [
      tick(x),
      ...spec.series.map((s) => {
        const p = s.points.find((q) => q[0] === x);
        return p === undefined ? '–' : format(p[1]);
      }),
    ],
  }));
  const table = htmlTable({
    caption: spec.title,
    head: [spec.xLabel, ...spec.series.map((s) => s.name)],
    rows,
  });
  return (
    `<figure>${lineChart(spec, 'wide')}${lineChart(spec, 'narrow')}<figcaption>${esc(spec.title)}</figcaption>` +
    `<details><summary>The numbers: ${esc(spec.title)}</summary>${table}</details></figure>`
  );
}
