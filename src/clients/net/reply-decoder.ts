/**
 * What a reply decoder is, for protocols whose replies arrive in request order on one connection
 * (memcached text, Redis RESP2). Decoders are pure functions of the bytes received so far, so
 * they are unit-tested by feeding every prefix of a reply.
 */

/** A decoder returns a whole reply and where it ends, a command-level error, or a byte count it needs from `start`. */
export type Decoded<T> = { value: T; end: number } | { error: Error; end: number } | { need: number };
/** Throws ProtocolError when the bytes cannot be this protocol: the connection is then reset. */
export type Decoder<T> = (buf: Buffer, start: number) => Decoded<T>;

export class ProtocolError extends Error {}

/** Finds a CRLF-terminated line at `start`; `need` when incomplete; ProtocolError past `maxLine`. */
export function readLine(
  buf: Buffer,
  start: number,
  maxLine = 8192,
): { line: string; end: number } | { need: number } {
  const at = buf.indexOf('\r\n', start, 'latin1');
  if (at === -1) {
    if (buf.length - start > maxLine) throw new ProtocolError(`no line end within ${maxLine} bytes`);
    return { need: buf.length - start + 1 };
  }
  if (at - start > maxLine) throw new ProtocolError(`line longer than ${maxLine} bytes`);
  return { line: buf.toString('latin1', start, at), end: at + 2 };
}
