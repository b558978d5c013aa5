/** The session cookie (RFC 6265). HttpOnly: scripts never see it; SameSite=Lax: no cross-site POSTs. */
export const SESSION_COOKIE = 'fk_session';

/** The value of one cookie from a Cookie header, without allocating a map of all of them. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** No Max-Age: expiry is the server's (sliding, SessionStore.touch), the browser keeps it for its session. */
export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`;
}

export function clearSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}
