import { SESSION_TTL_MS, type Session } from '../session/session-store.js';
import type { AppContext, RouteInput, Viewer } from './context.js';
import { cookieValue, SESSION_COOKIE } from './cookies.js';

export interface ViewerLookup {
  viewer: Viewer | undefined;
  sessionId: string | undefined;
  /** A cookie was sent but names no live session (forged, expired, logged out elsewhere). */
  stale: boolean;
  /** The session store could not be asked (e.g. Redis down): the page renders as logged out. */
  degraded?: boolean;
}

const ANONYMOUS: ViewerLookup = { viewer: undefined, sessionId: undefined, stale: false };
const DEGRADED: ViewerLookup = { viewer: undefined, sessionId: undefined, stale: false, degraded: true };

/**
 * The session, fetched from the SessionStore on every dynamic request (the talk's 0.2) with
 * sliding expiry. No cookie → no store call: anonymous page views stay cheap.
 */
export async function lookupViewer(ctx: AppContext, input: RouteInput): Promise<ViewerLookup> {
  const id = cookieValue(input.req.headers.cookie, SESSION_COOKIE);
  if (id === undefined || id === '') return ANONYMOUS;
  const t0 = performance.now();
  let session: Session | undefined;
  try {
    session = await ctx.sessions.touch(id, SESSION_TTL_MS);
  } catch (e) {
    // Chosen behaviour for a session store outage (issue: "Redis stopped"): reads keep working,
    // rendered as logged out, and the cookie is kept so the session is back when the store is.
    // A 503 would turn a cache-like dependency into a full outage for every logged-in reader.
    ctx.onSessionStoreDown?.(e);
    input.timing.session += performance.now() - t0;
    return DEGRADED;
  }
  const t1 = performance.now();
  input.timing.session += t1 - t0;
  if (session === undefined) return { viewer: undefined, sessionId: undefined, stale: true };
  const user = await ctx.store.getUser(session.userId);
  input.timing.db += performance.now() - t1;
  if (user === undefined) return { viewer: undefined, sessionId: id, stale: true };
  return { viewer: { id: user.id, displayName: user.displayName }, sessionId: id, stale: false };
}
