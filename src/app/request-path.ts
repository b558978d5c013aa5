import { badRequest, notFound } from './http-error.js';

/**
 * The request-target's path, percent-decoded exactly once. Malformed escapes and bytes that are not
 * UTF-8 (`/static/%FF.css`, `/users/%E0%A4%A`) are a 400: the field notes saw such a request crash
 * an app, and nginx then retried it on the next backend and crashed that one too.
 */
const ABSOLUTE_FORM = /^https?:\/\/[^/]*/i;

export function decodePath(target: string): string {
  const q = target.indexOf('?');
  let raw = q < 0 ? target : target.slice(0, q);
  if (raw.charCodeAt(0) !== 47 /* '/' */) {
    // absolute-form (RFC 9112 §3.2.2), which servers must accept: keep only its path.
    const m = ABSOLUTE_FORM.exec(raw);
    if (m === null) throw badRequest('The request target must be a path.');
    raw = raw.slice(m[0].length) || '/';
  }
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest('The path has malformed percent-encoding.');
  }
}

/**
 * A path under /static/ as a safe relative path: no '..' or '.' segments, no empty segments, no
 * NUL or backslash (also when they arrived percent-encoded, since we check after decoding), so no
 * byte outside the static root is ever served.
 */
export function staticRelPath(decoded: string): string {
  const rel = decoded.slice('/static/'.length);
  if (rel === '' || rel.includes('\0') || rel.includes('\\')) throw notFound();
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw notFound();
  }
  return rel;
}

const ID_RE = /^[1-9][0-9]{0,9}$/;

/** A user id written plainly: 1..2^31-1, no sign, no leading zero; undefined for anything else. */
export function userIdOf(text: string): number | undefined {
  if (!ID_RE.test(text)) return undefined;
  const id = Number(text);
  return id > 2147483647 ? undefined : id;
}

/** '/users/42' → 42. Non-numeric, zero-padded or beyond 32 bits → 404 (no such page). */
export function parseUserId(text: string): number {
  const id = userIdOf(text);
  if (id === undefined) throw notFound('No such user.');
  return id;
}
