/**
 * Allocation-free scanning of an HTTP/1.1 response head held as a latin1 string: the status code,
 * header names compared in place, Content-Length digits. The parser runs these once per response,
 * so they avoid the regex match arrays and string copies that showed up in the generator's profile.
 */
/** The status code at offset 9..11, or -1. */
export function digits3(s: string): number {
  let n = 0;
  for (let i = 9; i < 12; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Case-insensitive comparison of s[start..] with a lower-case ASCII name ('-' | 0x20 is '-'). */
export function nameIs(s: string, start: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++)
    if ((s.charCodeAt(start + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** A Content-Length value: optional spaces around 1-15 digits; -1 when anything else is there. */
export function parseLength(s: string, from: number, to: number): number {
  let i = from;
  while (i < to && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  let end = to;
  while (end > i && (s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 9)) end--;
  if (end === i || end - i > 15) return -1;
  let n = 0;
  for (let k = i; k < end; k++) {
    const d = s.charCodeAt(k) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}
