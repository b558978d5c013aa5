/**
 * Inline SVG charts, drawn here (server-side) so the report needs no script and no CDN and opens
 * offline. Horizontal bars: stage names are long and read best on the left. Throughput and latency
 * use a log scale: the ladder spans two to three orders of magnitude (CGI ~30/s, memcached thousands).
 */

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export interface Series {
  name: string;
  /** CSS class of its bars, also used for the legend swatch. */
  cls: string;
  color: string;
}

export interface BarRow {
  label: string;
  /** One value per series; undefined or ≤ 0 draws nothing. */
  values: Array<number | undefined>;
  /** Text at the end of the row. */
  note?: string;
}

const W = 760;
const LABEL_W = 170;
const NOTE_W = 120;
const PLOT_W = W - LABEL_W - NOTE_W;
const BAR_H = 12;
const VALUE_W = 56;

const LEGEND_PER_ROW = 4;

/** Swatches above the plot, four to a row; the plot starts at legendBottom(series). */
function legend(series: Series[]): string {
  return series
    .map((s, i) => {
      const lx = LABEL_W + (i % LEGEND_PER_ROW) * 140;
      const ly = 18 + Math.floor(i / LEGEND_PER_ROW) * 16;
      return (
        `<rect x="${lx}" y="${ly}" width="10" height="10" fill="${s.color}"/>` +
        `<text x="${lx + 14}" y="${ly + 9}" class="legend">${escapeXml(s.name)}</text>`
      );
    })
    .join('');
}

const legendBottom = (series: Series[]) => 18 + Math.ceil(series.length / LEGEND_PER_ROW) * 16 + 8;

const fmt = (v: number) =>
  v >= 1000 ? `${Math.round(v).toLocaleString('en-US')}` : v >= 10 ? v.toFixed(0) : v.toPrecision(2);

/** Grouped horizontal bars on a log10 axis. */
export function logBarChart(opts: { title: string; unit: string; series: Series[]; rows: BarRow[] }): string {
  const all = opts.rows.flatMap((r) => r.values).filter((v): v is number => v !== undefined && v > 0);
  const lo = Math.floor(Math.log10(Math.min(...all, 1)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...all, 10))));
  // The axis stops short of the note column by VALUE_W, so a bar near the top of its decade still
  // has room for its value label (seen: "40,605" ran into "1.4× vs memcached").
  const x = (v: number) => LABEL_W + ((Math.log10(v) - lo) / (hi - lo)) * (PLOT_W - VALUE_W);
  const rowH = opts.series.length * (BAR_H + 2) + 10;
  const top = legendBottom(opts.series);
  const h = top + opts.rows.length * rowH + 30;
  const parts: string[] = [];
  for (let e = lo; e <= hi; e++) {
    const gx = x(10 ** e);
    parts.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${h - 26}" class="grid"/>`);
    parts.push(`<text x="${gx}" y="${h - 12}" class="tick" text-anchor="middle">${fmt(10 ** e)}</text>`);
  }
  parts.push(
    `<text x="${LABEL_W + PLOT_W - VALUE_W}" y="${h - 1}" class="tick" text-anchor="end">${escapeXml(opts.unit)}</text>`,
  );
  opts.rows.forEach((r, i) => {
    const y0 = top + i * rowH;
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y0 + rowH / 2}" class="label" text-anchor="end">${escapeXml(r.label)}</text>`,
    );
    r.values.forEach((v, k) => {
      if (v === undefined || !(v > 0)) return;
      const s = opts.series[k]!;
      const y = y0 + 4 + k * (BAR_H + 2);
      const w = Math.max(1, x(v) - LABEL_W);
      parts.push(
        `<rect class="${s.cls}" data-row="${escapeXml(r.label)}" x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" ` +
          `height="${BAR_H}" fill="${s.color}"><title>${escapeXml(`${r.label} — ${s.name}: ${fmt(v)} ${opts.unit}`)}</title></rect>`,
      );
      parts.push(
        `<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${y + BAR_H - 2}" class="value">${fmt(v)}</text>`,
      );
    });
    if (r.note)
      parts.push(
        `<text x="${W - 4}" y="${y0 + rowH / 2}" class="note" text-anchor="end">${escapeXml(r.note)}</text>`,
      );
  });
  return svg(opts.title, h, legend(opts.series) + parts.join(''), opts.unit);
}

/** One stacked horizontal bar per row (CPU per role, Server-Timing per phase); linear axis. */
export function stackedBarChart(opts: {
  title: string;
  unit: string;
  series: Series[];
  rows: BarRow[];
}): string {
  const totals = opts.rows.map((r) => r.values.reduce<number>((s, v) => s + (v && v > 0 ? v : 0), 0));
  const max = Math.max(...totals, 1e-9);
  const rowH = BAR_H + 14;
  const top = legendBottom(opts.series);
  const h = top + opts.rows.length * rowH + 10;
  const parts: string[] = [];
  opts.rows.forEach((r, i) => {
    const y = top + i * rowH;
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y + BAR_H - 2}" class="label" text-anchor="end">${escapeXml(r.label)}</text>`,
    );
    let cx = LABEL_W;
    r.values.forEach((v, k) => {
      if (v === undefined || !(v > 0)) return;
      const s = opts.series[k]!;
      const w = (v / max) * PLOT_W;
      parts.push(
        `<rect class="seg ${s.cls}" x="${cx.toFixed(1)}" y="${y}" width="${Math.max(0.5, w).toFixed(1)}" height="${BAR_H}" ` +
          `fill="${s.color}"><title>${escapeXml(`${r.label} — ${s.name}: ${v.toFixed(2)} ${opts.unit}`)}</title></rect>`,
      );
      cx += w;
    });
    const note = r.note ?? `${totals[i]!.toFixed(2)} ${opts.unit}`;
    parts.push(
      `<text x="${(cx + 4).toFixed(1)}" y="${y + BAR_H - 2}" class="value">${escapeXml(note)}</text>`,
    );
  });
  return svg(opts.title, h, legend(opts.series) + parts.join(''), opts.unit);
}

function svg(title: string, h: number, body: string, unit: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" ` +
    `role="img" aria-label="${escapeXml(`${title} (${unit})`)}"><title>${escapeXml(title)}</title>${body}</svg>`
  );
}

/** A fixed palette, distinguishable in print and for the common colour-vision deficiencies (Okabe–Ito). */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#F0E442',
  '#999999',
];
