import type { AppResponse } from '../../app/index.js';
import type { CgiEnv } from './protocol.js';

/**
 * The talk's 0.1: "The web server invokes the Python interpreter and runs the CGI script. The script
 * prints its output to stdout." One process per request: node starts, loads the app's modules,
 * opens the database and compiles the templates, answers ONE request and exits. That cost is the
 * stage. This is the script's request loop, from its environment (RFC 3875 meta-variables, plus
 * FK_DB, the database, and with a database URL FK_STATIC, set by the host's config) and its standard input to the bytes of its
 * answer; src/cli/cgi-script.ts is the executable around it.
 *
 * Every module is imported inside, under the caller's try: a module that fails to load (a
 * half-written dist/ during a rebuild) is then a 500 like any other error, not an empty answer.
 */
export async function respondToCgi(
  env: CgiEnv,
  readStdin: (length: number) => Promise<Buffer>,
  logError: (line: string) => void,
): Promise<Buffer> {
  const { REQUEST_LIMITS } = await import('../../app/index.js');
  const { cgiResponse, contentLengthOf, requestFromCgiEnv } = await import('./protocol.js');
  const plain = (status: number, text: string): Buffer => {
    const res: AppResponse = { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text };
    return cgiResponse(res);
  };
  const length = contentLengthOf(env) ?? 0;
  if (length > REQUEST_LIMITS.maxBodyBytes) return plain(413, 'request body too large\n');
  const body = length > 0 ? await readStdin(length) : Buffer.alloc(0);
  const req = requestFromCgiEnv(env, body);
  // REQUEST_LIMITS are the adapter's to enforce (src/app/types.ts): the host may allow more.
  if (Buffer.byteLength(req.url) > REQUEST_LIMITS.maxUrlBytes) return plain(414, 'URI too long\n');
  if (headerBytes(req.headers) > REQUEST_LIMITS.maxHeaderBytes)
    return plain(431, 'header fields too large\n');
  const db = env.FK_DB;
  if (db === undefined || db === '') throw new Error('FK_DB is not set by the CGI host');
  const { openApp } = await import('../open-app.js');
  const app = await openApp(
    {
      db,
      // A database server holds no files: the host names the static root beside a URL.
      ...(env.FK_STATIC ? { staticRoot: env.FK_STATIC } : {}),
      sessions: 'db',
      memcached: [],
      fillMemcached: false,
    },
    {
      workerTag: `cgi-${process.pid}`,
      // The app answers 500 with a generic page; the cause goes to the host's error log, one line.
      onError: (e) => logError(e instanceof Error ? e.message : String(e)),
    },
  );
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
