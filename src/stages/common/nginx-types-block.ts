import { MIME_TYPES } from '../../assets/content-types.js';

/**
 * nginx's `types {}` block, rendered from the app's one content-type table, so a file gets the same
 * type from a memcached hit (nginx: by extension only) as from the app. Our own block rather than
 * /etc/nginx/mime.types, so the stage does not depend on the host's nginx configuration.
 */

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
