/**
 * The generator's response-head scanner: straight on the socket's read buffer, no string per head,
 * header names compared in place. Decoding each head to a latin1 string and searching it for CRLFs
 * (the previous parser) was the largest JavaScript item of the profile — perf, -c 50 against
 * nginx: parseHead + StringIndexOf + latin1 slice + memchr ≈ 5% of all CPU; a microbenchmark of
 * nginx's 240-byte head: 480 ns per response then, 235 ns scanning bytes, ~70 ns from the memo.
 */

/** What a head says. Reused: the parser's response object, overwritten by each successful scan. */
export interface HeadInfo {
  status: number;
  keepAlive: boolean;
  /** Content-Length, or -1. */
  length: number;
  /** Transfer-Encoding present / its last coding is chunked. */
  te: boolean;
  chunked: boolean;
  setCookies: string[] | null;
  serverTiming: string | null;
  etag: string | null;
  lastModified: string | null;
}

export function blankHead(): HeadInfo {
  return {
    status: 0,
    keepAlive: true,
    length: -1,
    te: false,
    chunked: false,
    setCookies: null,
    serverTiming: null,
    etag: null,
    lastModified: null,
  };
}

/** scanHead results besides an offset: more bytes needed, not HTTP, body over the cap. */
export const INCOMPLETE = -1;
export const MALFORMED = -2;
export const TOO_LARGE = -3;

const HTTP1 = 'HTTP/1.';

/**
 * Scans the head in b[from..to) into h: returns the offset just past its blank line, or
 * INCOMPLETE / MALFORMED, leaving h untouched then (HeadMemo relies on it). Lines end at CRLF; a
 * bare CR belongs to its line (RFC 9112 2.2).
 */
export function scanHead(
  b: Buffer,
  from: number,
  to: number,
  maxBytes: number,
  validators: boolean,
  h: HeadInfo,
): number {
  // Status line "HTTP/1.x SSS[ reason]".
  let eol = from;
  while (eol + 1 < to && !(b[eol] === 13 && b[eol + 1] === 10)) eol++;
  if (eol + 1 >= to) return eol - from > maxBytes ? MALFORMED : INCOMPLETE;
  const minor = b[from + 7]! - 48;
  const status = digits3(b, from + 9);
  for (let i = 0; i < HTTP1.length; i++) if (b[from + i] !== HTTP1.charCodeAt(i)) return MALFORMED;
  if (
    eol - from < 12 ||
    b[from + 8] !== 32 ||
    (minor !== 0 && minor !== 1) ||
    status < 0 ||
    (eol - from > 12 && b[from + 12] !== 32)
  )
    return MALFORMED;
  let keepAlive = minor === 1;
  let length = -1;
  let chunked = false;
  let te = false;
  let setCookies: string[] | null = null;
  let serverTiming: string | null = null;
  let etag: string | null = null;
  let lastModified: string | null = null;
  let p = eol + 2;
  for (;;) {
    if (p + 1 >= to) return INCOMPLETE;
    if (b[p] === 13 && b[p + 1] === 10) break; // the blank line
    // Two tight scans (the name up to ':', then the value up to CRLF) beat one loop testing both.
    let colon = p;
    for (;;) {
      while (colon < to && b[colon] !== 58 && b[colon] !== 13) colon++;
      if (colon + 1 >= to) return colon - from > maxBytes ? MALFORMED : INCOMPLETE;
      if (b[colon] === 58 || b[colon + 1] === 10) break;
      colon++;
    }
    if (b[colon] !== 58 || colon === p) return MALFORMED; // no colon before the CRLF, or no name
    let q = colon + 1;
    for (;;) {
      while (q < to && b[q] !== 13) q++;
      if (q + 1 >= to) return q - from > maxBytes ? MALFORMED : INCOMPLETE;
      if (b[q + 1] === 10) break;
      q++;
    }
    // Dispatch on name length and first letter: headers we do not need (Date, Server,
    // Accept-Ranges, ...) cost no string at all.
    const nameLen = colon - p;
    const first = b[p]! | 0x20;
    if (nameLen === 14 && first === 99 && nameIs(b, p, 'content-length')) {
      const n = parseLength(b, colon + 1, q);
      if (n < 0 || (length >= 0 && n !== length)) return MALFORMED;
      length = n;
    } else if (nameLen === 10 && first === 99 && nameIs(b, p, 'connection')) {
      if (valueIs(b, colon + 1, q, 'keep-alive')) keepAlive = true;
      else if (valueIs(b, colon + 1, q, 'close')) keepAlive = false;
      else {
        const v = b.toString('latin1', colon + 1, q).toLowerCase();
        if (v.includes('close')) keepAlive = false;
        else if (v.includes('keep-alive')) keepAlive = true;
      }
    } else if (nameLen === 17 && first === 116 && nameIs(b, p, 'transfer-encoding')) {
      te = true;
      chunked = /(?:^|,)\s*chunked\s*$/i.test(b.toString('latin1', colon + 1, q));
    } else if (nameLen === 10 && first === 115 && nameIs(b, p, 'set-cookie')) {
      if (setCookies === null) setCookies = [];
      setCookies.push(b.toString('latin1', colon + 1, q).trim());
    } else if (nameLen === 13 && first === 115 && nameIs(b, p, 'server-timing')) {
      const value = b.toString('latin1', colon + 1, q).trim();
      serverTiming = serverTiming === null ? value : `${serverTiming}, ${value}`;
    } else if (validators) {
      if (nameLen === 4 && first === 101 && nameIs(b, p, 'etag'))
        etag = b.toString('latin1', colon + 1, q).trim();
      else if (nameLen === 13 && first === 108 && nameIs(b, p, 'last-modified'))
        lastModified = b.toString('latin1', colon + 1, q).trim();
    }
    p = q + 2;
  }
  const end = p + 2;
  if (end - from - 4 > maxBytes) return MALFORMED;
  h.status = status;
  h.keepAlive = keepAlive;
  h.length = length;
  h.te = te;
  h.chunked = chunked;
  h.setCookies = setCookies;
  h.serverTiming = serverTiming;
  h.etag = etag;
  h.lastModified = lastModified;
  return end;
}

/**
 * The last head of a connection, byte for byte. A static file's heads repeat exactly (nginx's Date
 * changes once a second), so one native compare replaces the scan: the HeadInfo still holds what
 * the remembered scan wrote, which is what the same bytes would give again (every successful scan
 * is offered to remember(), so the memo is the last head scanned or empty; the caller must not
 * change the HeadInfo in between). Heads with Set-Cookie (per-user state) and 1xx are not
 * remembered; after 8 misses in a row (heads that vary per response: Server-Timing durations,
 * request ids) it stops trying for 1,000 heads, so a miss costs little.
 */
export class HeadMemo {
  private bytes: Buffer = Buffer.alloc(0);
  private len = 0;
  private misses = 0;
  private pause = 0;

  /** The length of the remembered head when b[from..to) starts with it exactly, else 0. */
  match(b: Buffer, from: number, to: number): number {
    const n = this.len;
    if (n === 0) return 0;
    // Its blank line must end at the same place before the (native) full compare.
    if (to - from >= n && b[from + n - 1] === 10 && b[from + n - 3] === 10) {
      if (b.compare(this.bytes, 0, n, from, from + n) === 0) {
        this.misses = 0;
        return n;
      }
    }
    if (++this.misses >= 8) {
      this.len = 0;
      this.pause = 1000;
    }
    return 0;
  }

  /** Remembers b[from..end), just scanned into h (which must stay as the scan left it). */
  remember(b: Buffer, from: number, end: number, h: HeadInfo): void {
    if (this.pause > 0) {
      this.pause -= 1;
      return;
    }
    const n = end - from;
    if (h.setCookies !== null || h.status < 200 || n > 4096) {
      this.len = 0;
      return;
    }
    if (this.bytes.length < n) this.bytes = Buffer.allocUnsafe(Math.max(n, 512));
    b.copy(this.bytes, 0, from, end);
    this.len = n;
  }
}

/** The three digits at b[at..at+2] as a number, or -1. */
function digits3(b: Uint8Array, at: number): number {
  let n = 0;
  for (let i = at; i < at + 3; i++) {
    const d = b[i]! - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Case-insensitive comparison of b[at..] with a lower-case ASCII name ('-' | 0x20 is '-'). */
function nameIs(b: Uint8Array, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((b[at + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** A Content-Length value: optional spaces around 1-15 digits; -1 when anything else is there. */
function parseLength(b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && (b[i] === 32 || b[i] === 9)) i++;
  let end = to;
  while (end > i && (b[end - 1] === 32 || b[end - 1] === 9)) end--;
  if (end === i || end - i > 15) return -1;
  let n = 0;
  for (let k = i; k < end; k++) {
    const d = b[k]! - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The value b[from..to) equals `lower` (case-insensitively) once trimmed of spaces and tabs. */
function valueIs(b: Uint8Array, from: number, to: number, lower: string): boolean {
  let i = from;
  while (i < to && (b[i] === 32 || b[i] === 9)) i++;
  let end = to;
  while (end > i && (b[end - 1] === 32 || b[end - 1] === 9)) end--;
  return end - i === lower.length && nameIs(b, i, lower);
}
