import { SESSION_TTL_MS } from '../../session/session-store.js';
import type { AppContext, RouteInput } from '../context.js';
import { clearSessionCookie, cookieValue, SESSION_COOKIE, sessionCookie } from '../cookies.js';
import { parseForm } from '../form.js';
import { badRequest, HttpError } from '../http-error.js';
import { userIdOf } from '../request-path.js';
import { seeOther } from '../respond.js';
import { type AppResponse, REQUEST_LIMITS } from '../types.js';

function formOf(input: RouteInput): Map<string, string> {
  const { req } = input;
  // Adapters cap bodies already; the check here keeps the handler safe on its own (CGI, tests).
  if (req.body.length > REQUEST_LIMITS.maxBodyBytes) throw new HttpError(413, 'The form is too large.');
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'Send the form as application/x-www-form-urlencoded.');
  }
  return parseForm(req.body);
}

/** POST /login (field `user`: an id or a name): new session, random 128-bit id, 303 to the user's page. */
export async function login(ctx: AppContext, input: RouteInput): Promise<AppResponse> {
  const who = (formOf(input).get('user') ?? '').trim();
  if (who === '' || who.length > 200) throw badRequest('Give a user id or name in the field "user".');
  const t0 = performance.now();
  const id = userIdOf(who);
  const user = id === undefined ? await ctx.store.findUserByName(who) : await ctx.store.getUser(id);
  const t1 = performance.now();
  input.timing.db += t1 - t0;
  if (user === undefined) throw badRequest('No such user.');
  // A fresh id on every login (no session fixation); the one the browser held, if any, ends.
  const previous = cookieValue(input.req.headers.cookie, SESSION_COOKIE);
  const session = await sessionCall(ctx, async () => {
    if (previous !== undefined && previous !== '') await ctx.sessions.destroy(previous);
    return ctx.sessions.create(user.id, SESSION_TTL_MS);
  });
  input.timing.session += performance.now() - t1;
  return seeOther(`/users/${user.id}`, sessionCookie(session.id));
}

/** POST /logout: the session ends in the store (not just in the browser), 303 to the front page. */
export async function logout(ctx: AppContext, input: RouteInput): Promise<AppResponse> {
  const id = cookieValue(input.req.headers.cookie, SESSION_COOKIE);
  if (id !== undefined && id !== '') await sessionCall(ctx, () => ctx.sessions.destroy(id));
  return seeOther('/', clearSessionCookie());
}

/** Logging in or out cannot be done without the store: a clear 503 with Retry-After (RFC 9110 §15.6.4). */
async function sessionCall<T>(ctx: AppContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    ctx.onSessionStoreDown?.(e);
    throw new HttpError(503, 'Sign-in is unavailable for a moment; please try again shortly.', {
      'Retry-After': '5',
    });
  }
}
