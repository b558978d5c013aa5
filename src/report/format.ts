/** Number formats shared by every renderer (terminal table, HTML report, bench summary). */

/** A rate per second: whole numbers with thousands separators from 100 up, one decimal below. */
export function formatRate(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
}
