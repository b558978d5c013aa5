import { escapeXml as esc } from './escape.js';
import { htmlTable } from './html-table.js';
import { type BarRow, logBarChart, type Series, stackedBarChart } from './svg-charts.js';

/**
 * A chart with its numbers: the SVG, then the same rows and series as a table in a <details>
 * ("The numbers"), drawn from one spec so the two never disagree. The table is what a screen
 * reader, a phone (where the scaled chart's labels are small) or a copy-paste reads.
 */
export interface FigureSpec {
  kind: 'log' | 'stacked';
  title: string;
  unit: string;
  series: Series[];
  rows: BarRow[];
  /** A cell of the table. */
  format: (v: number) => string;
  /** Appended to each series' column header; default ` (unit)`. */
  headUnit?: string;
  /** The header of the notes column (the chart's text at the end of each row), if any row has one. */
  noteHead?: string;
}

export function chartFigure(f: FigureSpec): string {
  const draw = f.kind === 'log' ? logBarChart : stackedBarChart;
  // Both layouts; the page's CSS shows the one that fits the screen.
  const chart = draw({ ...f, layout: 'wide' }) + draw({ ...f, layout: 'narrow' });
  const withNotes = f.noteHead !== undefined && f.rows.some((r) => r.note);
  const suffix = f.headUnit ?? ` (${f.unit})`;
  const head = ['stage', ...f.series.map((s) => `${s.name}${suffix}`), ...(withNotes ? [f.noteHead!] : [])];
  const rows = f.rows.map((r) => ({
    cells: [
      r.label,
      ...f.series.map((_, k) => {
        const v = r.values[k];
        return v === undefined || !(v > 0) ? '–' : f.format(v);
      }),
      ...(withNotes ? [r.note ?? ''] : []),
    ],
  }));
  const name = f.title.replace(/ \(log scale\)$/, '');
  return (
    `<figure>${chart}<figcaption>${esc(f.title)}</figcaption>` +
    `<details><summary>The numbers: ${esc(name)}</summary>${htmlTable({ caption: name, head, rows })}</details></figure>`
  );
}
