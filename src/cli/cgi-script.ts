#!/usr/bin/env node
/**
 * The CGI script's executable (stage cgi): run by lighttpd's mod_cgi or the built-in gateway
 * (src/server/cgi/gateway.ts), never by hand. Only the process is handled here — environment,
 * standard input, standard output, exit; the request loop is src/server/cgi/script.ts.
 */
const FALLBACK_500 =
  'Status: 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  'Content-Length: 22\r\n\r\ninternal server error\n';

const logError = (line: string) => process.stderr.write(`flickr-killr cgi-script: ${line}\n`);

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
  const { respondToCgi } = await import('../server/cgi/script.js');
  out = await respondToCgi(process.env, readStdin, logError);
} catch (e) {
  // One line to stderr (lighttpd's error log, the gateway's log); the client gets no stack trace.
  logError(e instanceof Error ? e.message : String(e));
  out = Buffer.from(FALLBACK_500);
}
// stdout is a pipe; exit only once it is flushed, even if some handle (a timer) would keep us alive.
process.stdout.write(out, () => process.exit(0));
