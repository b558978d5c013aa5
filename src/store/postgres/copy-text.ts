/**
 * COPY's text format (PostgreSQL docs, COPY, "Text Format"): columns separated by tab, rows by
 * newline, and backslash, tab, newline and carriage return written as \\, \t, \n, \r. The demo
 * data holds none of them today, but a title with a tab would otherwise shift every column.
 */
const SPECIAL = /[\\\t\n\r]/;

export function copyField(s: string): string {
  if (!SPECIAL.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** One COPY text row, newline included. */
export function copyRow(fields: ReadonlyArray<string | number>): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    out += (i === 0 ? '' : '\t') + (typeof f === 'number' ? String(f) : copyField(f));
  }
  return `${out}\n`;
}
