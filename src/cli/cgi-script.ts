#!/usr/bin/env node
import type { AppResponse } from '../app/types.js';

/**
 * The talk's 0.1: "The web server invokes the Python interpreter and runs the CGI script. The script
 * prints its output to stdout." One process per request: node starts, loads the app's modules,
 * opens the database and compiles the templates, answers ONE request and exits. That cost is the
 * stage. Run by lighttpd's mod_cgi or the built-in gateway (src/server/cgi-gateway.ts), never by hand.
 * Environment: RFC 3875 meta-variables, plus FK_DB (the database) set by the host's config.
 */
// Every module is imported inside respond(), under the try below: a module that fails to load (a
// half-written dist/ during a rebuild) is then a 500 like any other error, not an empty answer.
const FALLBACK_500 =
  'Status: 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  'Content-Length: 22\r\n\r\ninternal server error\n';

async function respond(): Promise<Buffer> {
  const { REQUEST_LIMITS } = await import('../app/types.js');
  const { cgiResponse, contentLengthOf, requestFromCgiEnv } = await import('../server/cgi.js');
  const plain = (status: number, text: string): Buffer => {
    const res: AppResponse = { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text };
    return cgiResponse(res);
  };
  const env = process.env;
  const length = contentLengthOf(env) ?? 0;
  if (length > REQUEST_LIMITS.maxBodyBytes) return plain(413, 'request body too large\n');
  const body = length > 0 ? await readStdin(length) : Buffer.alloc(0);
  const req = requestFromCgiEnv(env, body);
  // REQUEST_LIMITS are the adapter's to enforce (src/app/types.ts): the host may allow more.
  if (Buffer.byteLength(req.url) > REQUEST_LIMITS.maxUrlBytes) return plain(414, 'URI too long\n');
  if (headerBytes(req.headers) > REQUEST_LIMITS.maxHeaderBytes)
    return plain(431, 'header fields too large\n');
  const dbPath = env.FK_DB;
  if (dbPath === undefined || dbPath === '') throw new Error('FK_DB is not set by the CGI host');
  const { composeApp } = await import('../server/compose.js');
  const app = await composeApp({
    dbPath,
    workerTag: `cgi-${process.pid}`,
    // The app answers 500 with a generic page; the cause goes to the host's error log, one line.
    onError: (e) =>
      process.stderr.write(`flickr-killr cgi-script: ${e instanceof Error ? e.message : String(e)}\n`),
  });
  try {
    return cgiResponse(await app.handler(req));
  } finally {
    await app.close();
  }
}

/** The size the header section had on the wire, near enough: `name: value\r\n` per field. */
function headerBytes(headers: Record<string, string | undefined>): number {
  let n = 0;
  for (const [k, v] of Object.entries(headers))
    n += k.length + (v === undefined ? 0 : Buffer.byteLength(v)) + 4;
  return n;
}

/** Exactly CONTENT_LENGTH bytes (RFC 3875 4.2): the host may keep stdin open after them. */
async function readStdin(length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= length) break;
  }
  return Buffer.concat(chunks).subarray(0, length);
}

let out: Buffer;
try {
  out = await respond();
} catch (e) {
  // One line to stderr (lighttpd's error log, the gateway's log); the client gets no stack trace.
  process.stderr.write(`flickr-killr cgi-script: ${e instanceof Error ? e.message : String(e)}\n`);
  out = Buffer.from(FALLBACK_500);
}
// stdout is a pipe; exit only once it is flushed, even if some handle (a timer) would keep us alive.
process.stdout.write(out, () => process.exit(0));
