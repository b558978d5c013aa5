/**
 * Inline SVG charts, drawn here (server-side) so the report needs no script and no CDN and opens
 * offline. Horizontal bars: stage names are long. Throughput and latency use a log scale: the
 * ladder spans two to three orders of magnitude (CGI ~30/s, memcached thousands).
 * Each chart is drawn twice, and CSS shows the one that fits (ladder-html.ts): 'wide' (a 760-unit
 * viewBox, stage names left of the bars) and 'narrow' for phones (360 units, names above the
 * bars) — one 760-unit drawing scaled to a 390 px phone had 5 px text. Either scales to the page
 * width (viewBox, width 100%); the numbers are also in a table beside it (chart-figure.ts).
 */
import { escapeXml } from './escape.js';

/** Kept here too: the ladder's smoke check imports it from this file. */
export { escapeXml };

export interface Series {
  name: string;
  /** CSS class of its bars, also used for the legend swatch. */
  cls: string;
  color: string;
  /**
   * Series of one group share its colour and one legend entry (app-1, app-2 … are 'app
   * processes'): a stack of eleven roles would otherwise run out of distinguishable colours.
   */
  group?: string;
}

/** One legend entry per group (or per ungrouped series), in order of first appearance. */
function legendEntries(series: Series[]): Series[] {
  const seen = new Set<string>();
  return series.filter((s) => {
    const key = s.group ?? `\u0000${s.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface BarRow {
  label: string;
  /** One value per series; undefined or ≤ 0 draws nothing. */
  values: Array<number | undefined>;
  /** Text at the end of the row. */
  note?: string;
}

export type ChartLayout = 'wide' | 'narrow';

interface Geometry {
  w: number;
  /** Stage names: left of the bars (wide), or on their own line above them (narrow, 0). */
  labelW: number;
  /** Right-hand column for the row's note (wide); narrow puts it on the label line. */
  noteW: number;
  legendPerRow: number;
  legendW: number;
}

const GEOMETRY: Record<ChartLayout, Geometry> = {
  wide: { w: 760, labelW: 170, noteW: 120, legendPerRow: 4, legendW: 140 },
  narrow: { w: 360, labelW: 0, noteW: 0, legendPerRow: 2, legendW: 175 },
};
const BAR_H = 12;
/** Room after the longest bar for its value label (seen: "40,605" ran into the note). */
const VALUE_W = 56;
const LABEL_LINE = 15;

const plotW = (g: Geometry) => g.w - g.labelW - g.noteW - VALUE_W;
/** The height a row's label line takes above its bars (narrow layout only). */
const above = (g: Geometry) => (g.labelW === 0 ? LABEL_LINE : 0);

/** Swatches above the plot; the plot starts at legendBottom(). */
function legend(all: Series[], g: Geometry): string {
  return legendEntries(all)
    .map((s, i) => {
      const lx = g.labelW + (i % g.legendPerRow) * g.legendW;
      const ly = 18 + Math.floor(i / g.legendPerRow) * 16;
      return (
        `<rect x="${lx}" y="${ly}" width="10" height="10" fill="${s.color}"/>` +
        `<text x="${lx + 14}" y="${ly + 9}" class="legend">${escapeXml(s.group ?? s.name)}</text>`
      );
    })
    .join('');
}

const legendBottom = (series: Series[], g: Geometry) =>
  18 + Math.ceil(legendEntries(series).length / g.legendPerRow) * 16 + 8;

const fmt = (v: number) =>
  v >= 1000 ? `${Math.round(v).toLocaleString('en-US')}` : v >= 10 ? v.toFixed(0) : v.toPrecision(2);

/** A row's stage name and note: left of the bars and in the right column, or on a line above. */
function rowText(r: BarRow, g: Geometry, y0: number, mid: number): string {
  if (g.labelW > 0) {
    const label = `<text x="${g.labelW - 8}" y="${mid}" class="label" text-anchor="end">${escapeXml(r.label)}</text>`;
    const note = r.note
      ? `<text x="${g.w - 4}" y="${mid}" class="note" text-anchor="end">${escapeXml(r.note)}</text>`
      : '';
    return label + note;
  }
  const y = y0 + LABEL_LINE - 4;
  const note = r.note
    ? `<text x="${g.w - 2}" y="${y}" class="note" text-anchor="end">${escapeXml(r.note)}</text>`
    : '';
  return `<text x="0" y="${y}" class="label">${escapeXml(r.label)}</text>${note}`;
}

/** What every bar chart is drawn from: its series (colours, legend), one row of values each. */
export interface BarChartOptions {
  title: string;
  unit: string;
  series: Series[];
  rows: BarRow[];
  layout?: ChartLayout;
}

/** Grouped horizontal bars on a log10 axis. */
export function logBarChart(opts: BarChartOptions): string {
  const g = GEOMETRY[opts.layout ?? 'wide'];
  const all = opts.rows.flatMap((r) => r.values).filter((v): v is number => v !== undefined && v > 0);
  const lo = Math.floor(Math.log10(Math.min(...all, 1)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...all, 10))));
  const x = (v: number) => g.labelW + ((Math.log10(v) - lo) / (hi - lo)) * plotW(g);
  const rowH = above(g) + opts.series.length * (BAR_H + 2) + 10;
  const top = legendBottom(opts.series, g);
  const h = top + opts.rows.length * rowH + 30;
  const parts: string[] = [];
  for (let e = lo; e <= hi; e++) {
    const gx = x(10 ** e);
    const anchor = g.labelW === 0 && e === lo ? 'start' : 'middle';
    parts.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${h - 26}" class="grid"/>`);
    parts.push(`<text x="${gx}" y="${h - 12}" class="tick" text-anchor="${anchor}">${fmt(10 ** e)}</text>`);
  }
  parts.push(
    `<text x="${g.labelW + plotW(g)}" y="${h - 1}" class="tick" text-anchor="end">${escapeXml(opts.unit)}</text>`,
  );
  opts.rows.forEach((r, i) => {
    const y0 = top + i * rowH;
    parts.push(rowText(r, g, y0, y0 + rowH / 2));
    r.values.forEach((v, k) => {
      if (v === undefined || !(v > 0)) return;
      const s = opts.series[k]!;
      const y = y0 + above(g) + 4 + k * (BAR_H + 2);
      const w = Math.max(1, x(v) - g.labelW);
      parts.push(
        `<rect class="${s.cls}" data-row="${escapeXml(r.label)}" x="${g.labelW}" y="${y}" width="${w.toFixed(1)}" ` +
          `height="${BAR_H}" fill="${s.color}"><title>${escapeXml(`${r.label} — ${s.name}: ${fmt(v)} ${opts.unit}`)}</title></rect>`,
      );
      parts.push(
        `<text x="${(g.labelW + w + 4).toFixed(1)}" y="${y + BAR_H - 2}" class="value">${fmt(v)}</text>`,
      );
    });
  });
  return svg(opts.title, g, h, legend(opts.series, g) + parts.join(''), opts.unit, opts.layout);
}

/** One stacked horizontal bar per row (CPU per role, Server-Timing per phase); linear axis. */
export function stackedBarChart(opts: BarChartOptions): string {
  const g = GEOMETRY[opts.layout ?? 'wide'];
  const totals = opts.rows.map((r) => r.values.reduce<number>((s, v) => s + (v && v > 0 ? v : 0), 0));
  const max = Math.max(...totals, 1e-9);
  // Wide: the total follows the bar, in the note column's room; narrow: it is on the label
  // line, so the bar takes the whole width.
  const width = g.labelW > 0 ? g.w - g.labelW - g.noteW : g.w - 2;
  const rowH = above(g) + BAR_H + 14;
  const top = legendBottom(opts.series, g);
  const h = top + opts.rows.length * rowH + 10;
  const parts: string[] = [];
  opts.rows.forEach((r, i) => {
    const y0 = top + i * rowH;
    const y = y0 + above(g);
    const note = r.note ?? `${totals[i]!.toFixed(2)} ${opts.unit}`;
    if (g.labelW > 0)
      parts.push(
        `<text x="${g.labelW - 8}" y="${y + BAR_H - 2}" class="label" text-anchor="end">${escapeXml(r.label)}</text>`,
      );
    else parts.push(rowText({ label: r.label, values: [], note }, g, y0, 0));
    let cx = g.labelW;
    r.values.forEach((v, k) => {
      if (v === undefined || !(v > 0)) return;
      const s = opts.series[k]!;
      const w = (v / max) * width;
      // A white edge between segments: neighbours stay apart even where two colours look alike.
      parts.push(
        `<rect class="seg ${s.cls}" x="${cx.toFixed(1)}" y="${y}" width="${Math.max(0.5, w).toFixed(1)}" height="${BAR_H}" ` +
          `fill="${s.color}" stroke="#fff" stroke-width="1"><title>${escapeXml(`${r.label} — ${s.name}: ${v.toFixed(2)} ${opts.unit}`)}</title></rect>`,
      );
      cx += w;
    });
    if (g.labelW > 0)
      parts.push(
        `<text x="${(cx + 4).toFixed(1)}" y="${y + BAR_H - 2}" class="value">${escapeXml(note)}</text>`,
      );
  });
  return svg(opts.title, g, h, legend(opts.series, g) + parts.join(''), opts.unit, opts.layout);
}

/** No width/height attributes: the viewBox gives the aspect ratio, CSS the width (100%). */
function svg(
  title: string,
  g: Geometry,
  h: number,
  body: string,
  unit: string,
  layout: ChartLayout = 'wide',
): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-${layout}" viewBox="0 0 ${g.w} ${h}" ` +
    `role="img" aria-label="${escapeXml(`${title} (${unit}); the numbers are in the table below the chart`)}"><title>${escapeXml(title)}</title>${body}</svg>`
  );
}
