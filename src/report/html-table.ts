import { escapeXml as esc } from './escape.js';

/**
 * One accessible HTML table: a caption, column headers with scope="col", the first cell of each
 * row a row header (scope="row"), so a screen reader announces "single, page views/s, 1,808".
 * Wrapped in a focusable scrolling region: a wide table scrolls inside itself on a phone instead
 * of widening the page (and keyboard users can scroll it: axe's scrollable-region-focusable).
 */
export interface TableSpec {
  caption: string;
  head: string[];
  /** Cells as text (escaped here); a row may carry a class (e.g. 'skipped'). */
  rows: { cells: string[]; cls?: string; spanFrom?: number }[];
}

export function htmlTable(t: TableSpec): string {
  const width = t.head.length;
  const head = t.head.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = t.rows
    .map(({ cells, cls, spanFrom }) => {
      const tds = cells.map((c, i) => {
        if (i === 0) return `<th scope="row">${esc(c)}</th>`;
        // A row whose remaining cells are one message (a skipped stage's reason) spans to the end.
        if (spanFrom !== undefined && i === spanFrom)
          return `<td colspan="${width - spanFrom}" class="text${cls ? ` ${cls}` : ''}">${esc(c)}</td>`;
        return `<td>${esc(c)}</td>`;
      });
      return `<tr>${tds.join('')}</tr>`;
    })
    .join('');
  return (
    `<div class="scroll" role="region" tabindex="0" aria-label="${esc(t.caption)}">` +
    `<table><caption>${esc(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`
  );
}
