import { connect } from 'node:net';
import type { FetchLike, SmokeRequest, SmokeResponse } from '../conformance/app-smoke.case.js';

/**
 * A FetchLike over a real socket that sends the request-target byte for byte (fetch/undici would
 * normalise `/static/../x` and `%2e%2e` away, and the smoke suite needs exactly those requests).
 * One connection per request, `Connection: close`, response read to EOF; chunked bodies decoded.
 */
export function rawHttpFetch(baseUrl: string, timeoutMs = 10_000): FetchLike {
  const u = new URL(baseUrl);
  const port = Number(u.port || 80);
  return (req) => rawRequest(u.hostname, port, u.host, req, timeoutMs);
}

function rawRequest(
  host: string,
  port: number,
  hostHeader: string,
  req: SmokeRequest,
  timeoutMs: number,
): Promise<SmokeResponse> {
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
    const lines = [`${req.method} ${req.target} HTTP/1.1`, `Host: ${hostHeader}`, 'Connection: close'];
    for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`${k}: ${v}`);
    if (body.length > 0 || req.method === 'POST') lines.push(`Content-Length: ${body.length}`);
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    const sock = connect({ host, port });
    const chunks: Buffer[] = [];
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no response in ${timeoutMs} ms`)));
    // write, not end: node's http server drops a half-closed client before an async answer is ready.
    sock.on('connect', () => sock.write(Buffer.concat([head, body])));
    sock.on('data', (c: Buffer) => chunks.push(c));
    // A server may answer (413, 431) and close before reading everything we sent: keep what we got.
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (chunks.length > 0 && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return;
      reject(e);
    });
    sock.on('close', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks), req.method === 'HEAD'));
      } catch (e) {
        reject(e);
      }
    });
  });
}

export function parseResponse(raw: Buffer, head: boolean): SmokeResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0)
    throw new Error(`incomplete response: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  if (!m) throw new Error(`bad status line: ${statusLine}`);
  const headers: Record<string, string | string[] | undefined> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    if (k === 'set-cookie') headers[k] = [...((headers[k] as string[] | undefined) ?? []), v];
    else headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  let body = raw.subarray(end + 4);
  if (head) body = Buffer.alloc(0);
  else if (/chunked/i.test(String(headers['transfer-encoding'] ?? ''))) body = dechunk(body);
  else if (headers['content-length'] !== undefined)
    body = body.subarray(0, Number(headers['content-length']));
  return { status: Number(m[1]), headers, body };
}

function dechunk(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i < buf.length) {
    const eol = buf.indexOf('\r\n', i);
    const size = Number.parseInt(buf.subarray(i, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    out.push(buf.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
