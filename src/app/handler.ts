import { isStoreOutage } from '../store/photo-store.js';
import { type AppContext, type AppDeps, type RouteInput, Timing } from './context.js';
import { HttpError, methodNotAllowed, notFound, reasonPhrase } from './http-error.js';
import { decodePath } from './request-path.js';
import { HTML } from './respond.js';
import { frontPage } from './routes/front-page.js';
import { healthz } from './routes/healthz.js';
import { login, logout } from './routes/login.js';
import { staticFile } from './routes/static-files.js';
import { userPage } from './routes/user-page.js';
import type { AppRequest, AppResponse, Handler } from './types.js';
import { Views } from './views/templates.js';

type Route = (ctx: AppContext, input: RouteInput) => Promise<AppResponse>;

const READ = ['GET', 'HEAD'] as const;
const WRITE = ['POST'] as const;

/** Which route answers a decoded path, and the methods it allows (405 + Allow for the others). */
function routeFor(path: string): { route: Route; allow: readonly string[] } | undefined {
  if (path === '/') return { route: frontPage, allow: READ };
  if (path === '/healthz') return { route: healthz, allow: READ };
  if (path.startsWith('/users/')) return { route: userPage, allow: READ };
  if (path.startsWith('/static/')) return { route: staticFile, allow: READ };
  if (path === '/login') return { route: login, allow: WRITE };
  if (path === '/logout') return { route: logout, allow: WRITE };
  return undefined;
}

const EMPTY: Buffer = Buffer.alloc(0);
const OUTAGE_LOG_INTERVAL_MS = 10_000;

/** One warning per 10 s of an outage, not one per request (a log flood helps nobody). */
function outageLogger(deps: AppDeps, what: string): (e: unknown) => void {
  let lastLogged = -Infinity;
  let suppressed = 0;
  return (e) => {
    const now = Date.now();
    if (now - lastLogged < OUTAGE_LOG_INTERVAL_MS) {
      suppressed += 1;
      return;
    }
    const more = suppressed > 0 ? ` (${suppressed} more since the last warning)` : '';
    deps.onWarning?.(`${what}${more}: ${(e as Error)?.message ?? e}`);
    lastLogged = now;
    suppressed = 0;
  };
}

/**
 * The database down, restarting or too slow (store/photo-store.ts's typed errors): a short 503
 * page with Retry-After (RFC 9110 §10.2.3, §15.6.4), not a 500, since it is not a bug and it
 * passes by itself. Static files never ask the store, so they keep being served.
 */
const DB_RETRY_AFTER_S = '2';

/**
 * The Flickr Killr app as one function from request to response; every stage (CGI, node:http
 * behind nginx, …) serves this same handler. Routes throw HttpError for expected failures;
 * anything else is a 500 with a generic page.
 */
export function createHandler(deps: AppDeps): Handler {
  const ctx: AppContext = {
    ...deps,
    views: new Views(),
    onSessionStoreDown: outageLogger(
      deps,
      `session store (${deps.sessions.kind}) unavailable, serving as logged out`,
    ),
  };
  const onStoreDown = outageLogger(deps, 'database unavailable or too slow, answering 503');

  function errorResponse(e: unknown): AppResponse {
    let status = 500;
    let message = 'Something went wrong on our side.';
    let extra: Record<string, string> = {};
    if (e instanceof HttpError) {
      status = e.status;
      message = e.message;
      extra = e.headers;
    } else if (isStoreOutage(e)) {
      onStoreDown(e);
      status = 503;
      message = 'The database is unavailable for a moment; please try again shortly.';
      extra = { 'Retry-After': DB_RETRY_AFTER_S };
    } else {
      ctx.onError?.(e);
    }
    return {
      status,
      headers: { 'Content-Type': HTML, 'Cache-Control': 'no-store', ...extra },
      body: ctx.views.error(status, reasonPhrase(status), message),
    };
  }

  /**
   * Content-Length always (CGI and node:http alike), and HEAD gets GET's headers without the body.
   * Pages stay strings: node:http then sends headers and body in one write, while a Buffer body
   * costs an extra copy and a two-part writev (a profile of `single` under wrk showed both).
   */
  function finish(req: AppRequest, res: AppResponse): AppResponse {
    if (ctx.workerTag !== undefined) res.headers['X-Served-By'] = ctx.workerTag;
    if (res.status === 304 || res.status === 204) {
      res.body = EMPTY;
      return res;
    }
    const length = typeof res.body === 'string' ? Buffer.byteLength(res.body, 'utf8') : res.body.length;
    res.headers['Content-Length'] = String(length);
    if (req.method === 'HEAD') res.body = EMPTY;
    return res;
  }

  return async (req) => {
    let res: AppResponse;
    try {
      const path = decodePath(req.url);
      const match = routeFor(path);
      if (match === undefined) throw notFound();
      if (!match.allow.includes(req.method)) throw methodNotAllowed(match.allow);
      res = await match.route(ctx, { req, path, timing: new Timing() });
    } catch (e) {
      try {
        res = errorResponse(e);
      } catch {
        res = {
          status: 500,
          headers: { 'Content-Type': 'text/plain; charset=utf-8' },
          body: 'Internal Server Error\n',
        };
      }
    }
    return finish(req, res);
  };
}
