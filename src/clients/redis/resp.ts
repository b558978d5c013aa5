import { FkError } from '../../errors.js';
import { type Decoded, ProtocolError, readLine } from '../net/reply-decoder.js';

/**
 * RESP2, the Redis serialization protocol (redis.io/docs/reference/protocol-spec): requests are
 * arrays of bulk strings; replies are +simple, -error, :integer, $bulk (-1 = nil) or *array.
 * Bulk strings are length-prefixed, so values are binary-safe; we hand them out as Buffers.
 */
export type RespValue = string | number | Buffer | null | RespValue[] | Error;

export type Arg = string | Buffer | number;

export function encodeCommand(args: Arg[]): Buffer[] {
  const out: Buffer[] = [];
  let head = `*${args.length}\r\n`;
  for (const a of args) {
    if (Buffer.isBuffer(a)) {
      out.push(Buffer.from(`${head}$${a.length}\r\n`, 'utf8'), a);
      head = '\r\n';
    } else {
      const s = String(a);
      head += `$${Buffer.byteLength(s, 'utf8')}\r\n${s}\r\n`;
    }
  }
  out.push(Buffer.from(head, 'utf8'));
  return out;
}

// Redis itself caps a bulk string at 512 MB; anything claiming more is not Redis talking.
const MAX_BULK = 512 * 1024 * 1024;
const MAX_ARRAY = 1 << 24;

function parse(buf: Buffer, start: number): { value: RespValue; end: number } | { need: number } {
  const r = readLine(buf, start, 64 * 1024);
  if ('need' in r) return r;
  const type = r.line.charCodeAt(0);
  const rest = r.line.slice(1);
  switch (type) {
    case 0x2b: // +
      return { value: rest, end: r.end };
    case 0x2d: // -
      return { value: new FkError('E_BACKEND_PROTOCOL', `redis answered: ${rest}`), end: r.end };
    case 0x3a: // :
      return { value: integer(rest), end: r.end };
    case 0x24: {
      // $
      const len = integer(rest);
      if (len === -1) return { value: null, end: r.end };
      if (len < 0 || len > MAX_BULK) throw new ProtocolError(`bad bulk length ${rest}`);
      const total = r.end + len + 2;
      if (buf.length < total) return { need: total - start };
      if (buf[total - 2] !== 0x0d || buf[total - 1] !== 0x0a)
        throw new ProtocolError('bulk string not followed by CRLF');
      return { value: Buffer.from(buf.subarray(r.end, r.end + len)), end: total };
    }
    case 0x2a: {
      // *
      const n = integer(rest);
      if (n === -1) return { value: null, end: r.end };
      if (n < 0 || n > MAX_ARRAY) throw new ProtocolError(`bad array length ${rest}`);
      const items: RespValue[] = [];
      let pos = r.end;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, pos);
        // Re-parsed from the array's start when more bytes come: fine for the small arrays we ask for.
        if ('need' in item) return { need: pos - start + item.need };
        items.push(item.value);
        pos = item.end;
      }
      return { value: items, end: pos };
    }
    default:
      throw new ProtocolError(`not a RESP reply: ${JSON.stringify(r.line.slice(0, 80))}`);
  }
}

function integer(s: string): number {
  if (!/^-?\d{1,16}$/.test(s)) throw new ProtocolError(`bad integer ${JSON.stringify(s.slice(0, 40))}`);
  return Number(s);
}

/** A top-level error reply rejects that one command; the connection stays in step. */
export function decodeReply(buf: Buffer, start: number): Decoded<RespValue> {
  const r = parse(buf, start);
  if ('need' in r) return r;
  if (r.value instanceof Error) return { error: r.value, end: r.end };
  return r;
}
