import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppRequest, type AppResponse, type Handler, REQUEST_LIMITS } from '../app/index.js';
import { FkError } from '../errors.js';

const EMPTY: Buffer = Buffer.alloc(0);
const SERVED_BY = `app-${process.pid}`;

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Served-By': SERVED_BY,
    Connection: 'close',
  });
  res.end(text);
}

/**
 * The request body within REQUEST_LIMITS.maxBodyBytes, undefined when it is larger (→ 413), for
 * both node:http servers (this adapter and the CGI gateway). A request that announces no body (GET
 * and HEAD: the hot path of every page view) gets no listeners and no buffers.
 */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) return Promise.resolve(EMPTY);
  if (declared !== undefined && Number(declared) > REQUEST_LIMITS.maxBodyBytes) {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > REQUEST_LIMITS.maxBodyBytes) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
      } else chunks.push(c);
    });
    req.once('end', () => resolve(size === 0 ? EMPTY : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function send(res: ServerResponse, out: AppResponse): void {
  if (out.headers['X-Served-By'] === undefined) out.headers['X-Served-By'] = SERVED_BY;
  res.writeHead(out.status, out.headers);
  res.end(out.body);
}

async function serve(handler: Handler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  // The limit counts bytes on the wire: node:http answers a non-ASCII target with 400 itself, so
  // every char of req.url is one byte.
  if (url.length > REQUEST_LIMITS.maxUrlBytes) return plain(res, 414, 'URI Too Long\n');
  const body = await readBody(req);
  if (body === undefined) return plain(res, 413, 'Content Too Large\n');
  const appReq: AppRequest = {
    method: req.method ?? 'GET',
    url,
    headers: req.headers as Record<string, string | undefined>,
    body,
  };
  send(res, await handler(appReq));
}

/**
 * A bound on the requests one process works on at once (`--protect`, docs/capacity.md). Past it
 * a request is answered at once with 503 and Retry-After (RFC 9110 §15.6.4, §10.2.3) instead of
 * joining a queue whose wait no one bounds: under overload, a fast "come back in a second" keeps
 * the admitted requests within their latency budget, so goodput stays near capacity (the talk's
 * Q&A: "maximum client connection limits help"). `shed` counts the refusals. The front door
 * (nginx, stages/common/nginx-conf.ts) applies the same bound first; this one holds without it.
 */
export class InFlightLimit {
  inFlight = 0;
  shed = 0;
  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`in-flight limit must be ≥ 1, got ${max}`);
  }

  /** Takes a slot, or counts a refusal and answers false; a request that `mayRefuse` not always gets in (and counts). */
  enter(mayRefuse = true): boolean {
    if (mayRefuse && this.inFlight >= this.max) {
      this.shed += 1;
      return false;
    }
    this.inFlight += 1;
    return true;
  }

  leave(): void {
    this.inFlight -= 1;
  }
}

/** Seconds a refused client is asked to wait (Retry-After): one is enough for a queue to drain. */
export const RETRY_AFTER_S = 1;
const OVERLOADED = 'Overloaded: too many requests in flight in this app process; retry in a second.\n';

/**
 * The 503 of an app process past its in-flight limit. The connection stays open: closing it would
 * make the proxy (or browser) pay a new connection for its retry, under overload of all times.
 */
function overloaded(res: ServerResponse): void {
  res.writeHead(503, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(OVERLOADED),
    'Retry-After': String(RETRY_AFTER_S),
    'X-Served-By': SERVED_BY,
    'X-Overloaded': 'app',
  });
  res.end(OVERLOADED);
}

/**
 * What the limit may refuse: dynamic GET and HEAD. A static file (the app's /static/, as nginx's
 * `location /static/`) costs microseconds, and refusing one spoils a page view whose HTML the app
 * already paid for; a POST would lose what the user did. Both are admitted, and count in flight.
 */
function refusable(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && !(req.url ?? '').startsWith('/static/');
}

/** Wraps a request listener so that at most `limit.max` of its dynamic GETs are in flight (see refusable). */
export function limitInFlight(
  limit: InFlightLimit,
  inner: (req: IncomingMessage, res: ServerResponse) => void,
  onShed?: (total: number) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (!limit.enter(refusable(req))) {
      overloaded(res);
      onShed?.(limit.shed);
      return;
    }
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      limit.leave();
    };
    // 'close' follows 'finish' and also fires for a client that went away mid-response.
    res.once('finish', leave);
    res.once('close', leave);
    inner(req, res);
  };
}

/**
 * The node:http adapter: REQUEST_LIMITS enforced before the handler (header overflow → 431 is
 * node's own maxHeaderSize check), X-Served-By so tests behind nginx see which worker answered,
 * and keep-alive longer than nginx's upstream idle time (field notes: Node's 5 s default gave
 * intermittent 502s behind nginx).
 */
export async function listen(
  handler: Handler,
  opts: {
    port: number;
    host?: string;
    onError?: (e: unknown) => void;
    /** At most this many requests in flight (AppProcessSpec.maxInFlight); absent: no limit. */
    maxInFlight?: number;
    /** Called on each request refused past maxInFlight, with the total so far. */
    onShed?: (total: number) => void;
  },
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    serve(handler, req, res).catch((e: unknown) => {
      opts.onError?.(e);
      plain(res, 500, 'Internal Server Error\n');
    });
  };
  const server = createServer(
    { maxHeaderSize: REQUEST_LIMITS.maxHeaderBytes },
    opts.maxInFlight === undefined
      ? listener
      : limitInFlight(new InFlightLimit(opts.maxInFlight), listener, opts.onShed),
  );
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
        reject(new FkError('E_PORT_IN_USE', `port ${opts.port} on ${host} is already in use`));
      } else reject(err);
    });
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    server,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() for 65 s; in-flight requests get a moment.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      return closing;
    },
  };
}
