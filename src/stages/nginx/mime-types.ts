/**
 * Content types by extension, rendered into nginx's `types {}` block. A memcached hit carries no
 * Content-Type of its own: nginx takes it from the URI's extension only (field notes), so this
 * table must cover every file the app serves under /static. It lives here rather than in
 * /etc/nginx/mime.types so the stage does not depend on the host's nginx configuration.
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

/** The `types { ... }` block, one type per line, indented for the http block. */
export function renderTypesBlock(indent = '  '): string {
  const width = Math.max(...MIME_TYPES.map(([t]) => quoteIfNeeded(t).length));
  const lines = MIME_TYPES.map(
    ([type, exts]) => `${indent}  ${quoteIfNeeded(type).padEnd(width)} ${exts.join(' ')};`,
  );
  return [`${indent}types {`, ...lines, `${indent}}`].join('\n');
}

// A type with '; charset=' contains a space and a semicolon: nginx needs it quoted.
function quoteIfNeeded(type: string): string {
  return /[\s;]/.test(type) ? `"${type}"` : type;
}
