import { FkError } from '../../errors.js';
import { type Decoded, ProtocolError, readLine } from '../net/reply-decoder.js';

/**
 * memcached's text protocol (memcached doc/protocol.txt), request encoders and reply decoders.
 *
 * Why the text protocol and our own client: the maintained Node client (memjs) speaks only the
 * binary protocol, deprecated since memcached 1.6; the `memcached` npm package has had no release
 * in ~8 years (field notes). And the app must store each static file under exactly the key nginx
 * will look up — nginx's own escaping of $uri (key.ts) — which a client that normalises or hashes
 * keys would not do. No item flags are used here (nothing is gzipped for nginx). Values are
 * length-prefixed, so the text protocol is binary-safe for values; only keys are restricted.
 */

const CRLF = Buffer.from('\r\n');
const END = Buffer.from('END\r\n');

export interface Item {
  value: Buffer;
  flags: number;
  /** Only from gets/gats. */
  cas?: bigint;
}

/** Status words of storage commands; TOO_LARGE / OUT_OF_MEMORY are SERVER_ERRORs after which memcached swallowed the data. */
export type StoreStatus = 'STORED' | 'NOT_STORED' | 'EXISTS' | 'NOT_FOUND' | 'TOO_LARGE' | 'OUT_OF_MEMORY';

export function encodeStorage(
  cmd: 'set' | 'add' | 'replace' | 'cas',
  key: string,
  value: Buffer,
  flags: number,
  exptime: number,
  cas?: bigint,
): Buffer[] {
  const casPart = cmd === 'cas' ? ` ${cas}` : '';
  const line = `${cmd} ${key} ${flags} ${exptime} ${value.length}${casPart}\r\n`;
  return [Buffer.from(line, 'utf8'), value, CRLF];
}

export function encodeLine(line: string): Buffer {
  return Buffer.from(line + '\r\n', 'utf8');
}

/** A reply line that is an error in any context: ERROR, CLIENT_ERROR ..., SERVER_ERROR ... */
function errorOf(line: string): FkError | undefined {
  if (line === 'ERROR' || line.startsWith('CLIENT_ERROR') || line.startsWith('SERVER_ERROR')) {
    return new FkError('E_BACKEND_PROTOCOL', `memcached answered: ${line}`);
  }
  return undefined;
}

export function decodeStorage(buf: Buffer, start: number): Decoded<StoreStatus> {
  const r = readLine(buf, start);
  if ('need' in r) return r;
  switch (r.line) {
    case 'STORED':
    case 'NOT_STORED':
    case 'EXISTS':
    case 'NOT_FOUND':
      return { value: r.line, end: r.end };
  }
  // memcached swallows the data block after these two (proto_text.c process_update_command).
  if (r.line === 'SERVER_ERROR object too large for cache') return { value: 'TOO_LARGE', end: r.end };
  if (r.line === 'SERVER_ERROR out of memory storing object') return { value: 'OUT_OF_MEMORY', end: r.end };
  // Any other error after a data block leaves us unsure where memcached is in our byte stream.
  throw new ProtocolError(`storage command answered ${JSON.stringify(r.line)}`);
}

/** Replies made of one word: DELETED / NOT_FOUND, TOUCHED / NOT_FOUND, ... */
export function decodeWord(yes: string, no: string) {
  return (buf: Buffer, start: number): Decoded<boolean> => {
    const r = readLine(buf, start);
    if ('need' in r) return r;
    if (r.line === yes) return { value: true, end: r.end };
    if (r.line === no) return { value: false, end: r.end };
    const error = errorOf(r.line);
    if (error !== undefined) return { error, end: r.end };
    throw new ProtocolError(`expected ${yes} or ${no}, got ${JSON.stringify(r.line.slice(0, 80))}`);
  };
}

export function decodeVersion(buf: Buffer, start: number): Decoded<string> {
  const r = readLine(buf, start);
  if ('need' in r) return r;
  if (r.line.startsWith('VERSION ')) return { value: r.line.slice(8), end: r.end };
  const error = errorOf(r.line);
  if (error !== undefined) return { error, end: r.end };
  throw new ProtocolError(`expected VERSION, got ${JSON.stringify(r.line.slice(0, 80))}`);
}

const VALUE_RE = /^VALUE \S+ (\d+) (\d+)(?: (\d+))?$/;

/** Reply to a one-key get / gets / gat / gats: `VALUE <key> <flags> <bytes> [<cas>]` + data + END, or END. */
export function decodeGet(buf: Buffer, start: number): Decoded<Item | undefined> {
  const r = readLine(buf, start);
  if ('need' in r) return r;
  if (r.line === 'END') return { value: undefined, end: r.end };
  const m = VALUE_RE.exec(r.line);
  if (m === null) {
    const error = errorOf(r.line);
    if (error !== undefined) return { error, end: r.end };
    throw new ProtocolError(`expected VALUE or END, got ${JSON.stringify(r.line.slice(0, 80))}`);
  }
  const bytes = Number(m[2]);
  const dataEnd = r.end + bytes;
  const total = dataEnd + CRLF.length + END.length;
  if (buf.length < total) return { need: total - start };
  if (buf[dataEnd] !== 0x0d || buf[dataEnd + 1] !== 0x0a || !buf.subarray(dataEnd + 2, total).equals(END)) {
    throw new ProtocolError('value not followed by \\r\\nEND\\r\\n');
  }
  // Copy: a slice would pin the whole receive buffer for as long as the caller keeps the value.
  const value = Buffer.from(buf.subarray(r.end, dataEnd));
  const item: Item = { value, flags: Number(m[1]) };
  if (m[3] !== undefined) item.cas = BigInt(m[3]);
  return { value: item, end: total };
}
