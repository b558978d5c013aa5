import { isIP } from 'node:net';
import { FkError } from '../errors.js';

/**
 * URLs and URL templates: `http://127.0.0.1:8080/users/{1..100000}` picks a random integer in the
 * inclusive range for every request, so a run touches many rows (and caches) instead of one.
 */
export interface Origin {
  host: string;
  port: number;
  /** The Host header value (host[:port] as written). */
  hostHeader: string;
  /** `http://host[:port]` or `https://…`, the key of same-origin checks and connection pools. */
  key: string;
  /** https: TLS over the connection. */
  tls: boolean;
  /** TLS SNI: the host name, undefined for an IP literal (RFC 6066 §3 allows names only). */
  servername: string | undefined;
}

export type PathPart = string | { min: number; max: number };

export interface UrlTemplate {
  origin: Origin;
  /** Path and query; integer ranges where the template has {MIN..MAX}. */
  parts: PathPart[];
  /** True when there is no range: the request line can be serialized once. */
  fixed: boolean;
  /** The template as written, for reports. */
  text: string;
}

const RANGE = /\{(-?\d+)\.\.(-?\d+)\}/g;

function parseOrigin(url: URL, text: string): Origin {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FkError(
      'E_BAD_URL',
      `'${text}' is not an http:// or https:// URL (${url.protocol} is not supported)`,
    );
  if (url.hostname === '') throw new FkError('E_BAD_URL', `'${text}' has no host`);
  const tls = url.protocol === 'https:';
  const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
  // URL keeps IPv6 literals bracketed; net.connect wants them bare.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const servername = tls && isIP(host) === 0 ? host : undefined;
  return { host, port, hostHeader: url.host, key: `${url.protocol}//${url.host}`, tls, servername };
}

export function parseUrlTemplate(text: string): UrlTemplate {
  const trimmed = text.trim();
  const parts: PathPart[] = [];
  // Replace each range by a placeholder so that URL parsing validates the rest.
  const ranges: { min: number; max: number }[] = [];
  const withoutRanges = trimmed.replace(RANGE, (_m, a: string, b: string) => {
    const min = Number(a);
    const max = Number(b);
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max)
      throw new FkError('E_BAD_TEMPLATE', `bad range {${a}..${b}} in '${text}': MIN must be <= MAX`);
    ranges.push({ min, max });
    return `\u0000${ranges.length - 1}\u0000`;
  });
  if (/[{}]/.test(withoutRanges))
    throw new FkError('E_BAD_TEMPLATE', `'${text}' has a brace that is not a {MIN..MAX} integer range`);
  let url: URL;
  try {
    url = new URL(withoutRanges.replace(/\u0000(\d+)\u0000/g, 'RANGE$1RANGE'));
  } catch {
    throw new FkError('E_BAD_URL', `'${text}' is not a valid absolute URL`);
  }
  const origin = parseOrigin(url, text);
  if (/RANGE\d+RANGE/i.test(url.host))
    throw new FkError('E_BAD_TEMPLATE', `'${text}': ranges are allowed in the path and query only`);
  const target = url.pathname + url.search;
  let last = 0;
  for (const m of target.matchAll(/RANGE(\d+)RANGE/g)) {
    if (m.index > last) parts.push(target.slice(last, m.index));
    parts.push(ranges[Number(m[1])]!);
    last = m.index + m[0].length;
  }
  if (last < target.length) parts.push(target.slice(last));
  if (parts.length === 0) parts.push('/');
  return { origin, parts, fixed: ranges.length === 0, text: trimmed };
}

/** A fast deterministic PRNG (xorshift32): tests get repeatable URLs; threads get distinct seeds. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 0x1_0000_0000;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/** The request target (path + query) of one request from the template. */
export function expandTarget(t: UrlTemplate, rng: Rng): string {
  if (t.fixed) return t.parts[0] as string;
  let s = '';
  for (const p of t.parts) s += typeof p === 'string' ? p : String(rng.int(p.min, p.max));
  return s;
}

/** Same, for a body or header value written with ranges (e.g. a login body `user={1..100000}`). */
export function expandText(text: string, rng: Rng): string {
  return text.replace(RANGE, (_m, a: string, b: string) => String(rng.int(Number(a), Number(b))));
}

export function checkTextRanges(text: string, where: string): void {
  for (const m of text.matchAll(RANGE))
    if (Number(m[1]) > Number(m[2]))
      throw new FkError('E_BAD_TEMPLATE', `bad range ${m[0]} in ${where}: MIN must be <= MAX`);
}
