import { extname } from 'node:path';

/**
 * Content types by extension: the one table for every server of a static file. The app's disk
 * source answers with it, and the nginx and lighttpd configs render it (a memcached hit carries
 * no Content-Type of its own: nginx takes it from the URI's extension only, field notes), so a
 * file gets the same type whether the app, nginx or lighttpd serves it.
 */
export const MIME_TYPES: ReadonlyArray<readonly [type: string, extensions: readonly string[]]> = [
  ['text/html; charset=utf-8', ['html', 'htm']],
  ['text/css; charset=utf-8', ['css']],
  ['text/plain; charset=utf-8', ['txt']],
  ['text/javascript; charset=utf-8', ['js', 'mjs']],
  ['application/json', ['json']],
  ['image/png', ['png']],
  ['image/jpeg', ['jpg', 'jpeg']],
  ['image/gif', ['gif']],
  ['image/webp', ['webp']],
  ['image/svg+xml', ['svg']],
  ['image/x-icon', ['ico']],
  ['font/woff2', ['woff2']],
];

const BY_EXTENSION = new Map<string, string>(
  MIME_TYPES.flatMap(([type, exts]) => exts.map((e) => [`.${e}`, type] as const)),
);

/** As nginx's `default_type application/octet-stream` for an extension the table does not name. */
export function contentTypeFor(path: string): string {
  return BY_EXTENSION.get(extname(path).toLowerCase()) ?? 'application/octet-stream';
}
