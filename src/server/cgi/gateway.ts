import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { assetResponse, REQUEST_LIMITS } from '../../app/index.js';
import type { AssetSource } from '../../assets/asset-source.js';
import { readBody } from '../node-http.js';
import { cgiEnvFor, parseCgiResponse } from './protocol.js';

/**
 * The built-in CGI host for stage cgi when lighttpd is not installed: a node:http server that
 * serves plain /static/ names from disk itself (as the talk's web server did) and runs the CGI
 * script once per request with a clean RFC 3875 environment. Field notes: a 50-line gateway like
 * this did ~28 req/s with a Node CGI script here, about what lighttpd's mod_cgi does.
 */
export interface CgiGatewayOptions {
  /** Absolute path of the compiled CGI script. */
  scriptPath: string;
  /** The interpreter; default process.execPath. */
  nodePath?: string;
  /** Extra variables for the script beyond RFC 3875, e.g. { FK_DB: '/abs/db' }. */
  scriptEnv?: Record<string, string>;
  /** Serves /static/<plain name>; other /static/ URLs go to the script, whose app answers 400/404. */
  assets?: AssetSource;
  /** Concurrent script processes; the rest wait in a queue. Default: 2 per core. */
  maxChildren?: number;
  /** Requests allowed to wait for a free slot before new ones get 503. Default 256. */
  maxQueue?: number;
  /** A script still running after this is killed and the client gets 504. Default 30 s. */
  timeoutMs?: number;
  /** Output cap: a script writing more is killed (502). Default 16 MiB. */
  maxOutputBytes?: number;
  /** One line per script failure (stderr, exit status). */
  log?: (line: string) => void;
}

export interface CgiGateway {
  server: Server;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

// Plain asset names only: the same rule as the lighttpd config's rewrite (stages/cgi/lighttpd-conf.ts).
// No segment can start with '.', so no '.' or '..' gets through.
const PLAIN_STATIC_RE =
  /^\/static\/((?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*)(?:\?.*)?$/;

export function createCgiGateway(opts: CgiGatewayOptions): CgiGateway {
  const maxChildren = opts.maxChildren ?? 2 * availableParallelism();
  const maxQueue = opts.maxQueue ?? 256;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxOutputBytes = opts.maxOutputBytes ?? 16 * 1024 * 1024;
  const log = opts.log ?? (() => {});
  let running = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    running -= 1;
    const next = queue.shift();
    if (next !== undefined) {
      running += 1;
      next();
    }
  };
  const acquire = (): Promise<void> | 'full' => {
    if (running < maxChildren) {
      running += 1;
      return Promise.resolve();
    }
    if (queue.length >= maxQueue) return 'full';
    return new Promise((resolve) => queue.push(resolve));
  };

  const server = createServer({ maxHeaderSize: REQUEST_LIMITS.maxHeaderBytes }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`cgi-gateway: ${(e as Error).message}`);
      if (!res.headersSent) sendPlain(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  // Malformed requests and header overflow: node's own clientError answer (400 / 431, then close).

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    // One char per byte, as in node-http.ts: node:http answers a non-ASCII target with 400 itself.
    if (target.length > REQUEST_LIMITS.maxUrlBytes) return sendPlain(res, 414, 'URI too long\n');
    const plain = PLAIN_STATIC_RE.exec(target);
    if (plain && opts.assets && (req.method === 'GET' || req.method === 'HEAD')) {
      if (await serveAsset(opts.assets, plain[1]!, req, res)) return;
    }
    const body = await readBody(req);
    if (body === undefined) return sendPlain(res, 413, 'request body too large\n', true);
    const slot = acquire();
    if (slot === 'full') {
      res.setHeader('Retry-After', '1');
      return sendPlain(res, 503, 'too many requests waiting\n');
    }
    await slot;
    try {
      if (res.destroyed) return; // the client left while we queued: don't start a script for nobody
      await runScript(req, res, body);
    } finally {
      release();
    }
  }

  function runScript(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    // RFC 3875 variables, a PATH and FK_DB: nothing of ours (NODE_EXTRA_CA_CERTS doubles node start-up).
    const local = server.address() as AddressInfo | null;
    const env = cgiEnvFor(req, {
      bodyLength: body.length,
      scriptPath: opts.scriptPath,
      local: local ?? undefined,
    });
    Object.assign(env, opts.scriptEnv);
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(opts.nodePath ?? process.execPath, [opts.scriptPath], {
        env: env as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      // spawn throws synchronously on arguments it cannot pass (e.g. an oversized environment)
      log(`cgi-gateway: cannot run ${opts.scriptPath}: ${(e as Error).message}`);
      sendPlain(res, 502, 'bad gateway\n');
      return Promise.resolve();
    }
    const chunks: Buffer[] = [];
    let outBytes = 0;
    let fault: 'timeout' | 'too-large' | 'client-gone' | undefined;
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > maxOutputBytes) {
        fault ??= 'too-large';
        child.kill('SIGKILL');
      } else chunks.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 2000) stderr += c.toString('utf8');
    });
    child.stdin.on('error', () => {}); // the script may exit without reading its input: EPIPE
    child.stdin.end(body);
    const timer = setTimeout(() => {
      fault ??= 'timeout';
      child.kill('SIGKILL');
    }, timeoutMs);
    // The talk's Q&A: users reloading a slow page pile up work. A script nobody waits for is killed.
    const onGone = () => {
      if (res.writableEnded) return;
      fault ??= 'client-gone';
      child.kill('SIGKILL');
    };
    res.once('close', onGone);
    return new Promise((resolve) => {
      child.once('error', (err) => {
        clearTimeout(timer);
        log(`cgi-gateway: cannot run ${opts.scriptPath}: ${err.message}`);
        if (!res.headersSent) sendPlain(res, 502, 'bad gateway\n');
        resolve();
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        res.off('close', onGone);
        if (stderr !== '') log(`cgi script stderr: ${stderr.trim().slice(0, 500)}`);
        if (fault === 'client-gone') {
          // nobody to answer; not a script fault
        } else if (fault === 'timeout') {
          log(`cgi-gateway: script killed after ${timeoutMs} ms: ${req.method} ${req.url}`);
          sendPlain(res, 504, 'the CGI script took too long\n');
        } else if (fault === 'too-large') {
          sendPlain(res, 502, 'the CGI script wrote too much\n');
        } else {
          const parsed = parseCgiResponse(Buffer.concat(chunks));
          if (typeof parsed === 'string') {
            log(
              `cgi-gateway: bad script output (${parsed}; exit ${code ?? signal}): ${req.method} ${req.url}`,
            );
            sendPlain(res, 502, 'bad gateway\n');
          } else {
            sendParsed(res, req.method === 'HEAD', parsed.status, parsed.headers, parsed.body);
          }
        }
        resolve();
      });
    });
  }

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          resolve(`http://${a.address}:${a.port}`);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serveAsset(
  assets: AssetSource,
  relPath: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const asset = await assets.get(relPath);
  if (asset === undefined) return false; // the app gives the same 404 page as for any unknown URL
  const out = assetResponse(asset, req.headers as Record<string, string | undefined>);
  if (out.status === 200) out.headers['Content-Length'] = String(asset.body.length);
  res.writeHead(out.status, out.headers);
  res.end(out.status === 200 && req.method !== 'HEAD' ? asset.body : undefined);
  return true;
}

function sendParsed(
  res: ServerResponse,
  head: boolean,
  status: number,
  headers: Array<[string, string]>,
  body: Buffer,
): void {
  if (res.destroyed) return;
  let hasLength = false;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    // Hop-by-hop fields are the gateway's business (RFC 3875 6.3.4 / RFC 9110 7.6.1).
    if (lower === 'connection' || lower === 'transfer-encoding' || lower === 'keep-alive') continue;
    if (lower === 'content-length') {
      // A HEAD answer states GET's length without the body; otherwise a wrong length would hang clients.
      if (hasLength || (!head && Number(value) !== body.length)) continue;
      hasLength = true;
    }
    res.appendHeader(name, value);
  }
  if (!hasLength && status !== 204 && status !== 304) res.setHeader('Content-Length', body.length);
  res.writeHead(status);
  res.end(head ? undefined : body);
}

function sendPlain(res: ServerResponse, status: number, text: string, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(text);
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  if (close) res.setHeader('Connection', 'close');
  res.writeHead(status);
  res.end(body);
}
