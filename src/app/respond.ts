import type { RouteInput } from './context.js';
import { clearSessionCookie } from './cookies.js';
import type { AppResponse } from './types.js';
import type { ViewerLookup } from './viewer.js';

export const HTML = 'text/html; charset=utf-8';

/**
 * A dynamic page. Vary: Cookie because the header shows who is logged in; pages for a logged-in
 * viewer are private, so a shared cache (stage proxy-cache) never hands them to someone else.
 */
export function page(input: RouteInput, who: ViewerLookup, html: string, status = 200): AppResponse {
  const headers: Record<string, string | string[]> = {
    'Content-Type': HTML,
    Vary: 'Cookie',
    'Server-Timing': input.timing.header(),
  };
  if (who.viewer !== undefined) headers['Cache-Control'] = 'private, no-cache';
  if (who.stale) headers['Set-Cookie'] = clearSessionCookie();
  if (who.degraded === true) headers['X-Session-Store'] = 'unavailable';
  return { status, headers, body: html };
}

/** 303 See Other after a POST (RFC 9110 §15.4.4): the browser follows with a GET. */
export function seeOther(location: string, setCookie: string): AppResponse {
  return {
    status: 303,
    headers: {
      Location: location,
      'Set-Cookie': setCookie,
      'Content-Type': HTML,
      'Cache-Control': 'no-store',
    },
    body: `<!doctype html><title>See Other</title><a href="${location}">continue</a>\n`,
  };
}
