import { FkError } from '../../errors.js';

/**
 * memcached keys, and the exact key nginx's memcached module looks up.
 *
 * The text protocol splits a command line on spaces and ends it at "\r\n", so a key may hold
 * neither whitespace nor control characters, and memcached refuses keys over 250 bytes
 * (KEY_MAX_LENGTH). A refused `set` is worse than an error: memcached then reads our data block
 * as the next command line. So keys are checked here, before anything is written.
 */
export const MAX_KEY_BYTES = 250;

/** The key's problem in words, or undefined when memcached will accept it. Keys go on the wire as UTF-8. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'empty key';
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) <= 0x20) return `key has a space or control character at ${i}`;
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) return `key is ${bytes} bytes, over memcached's ${MAX_KEY_BYTES}`;
  return undefined;
}

export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new FkError('E_BACKEND_PROTOCOL', `invalid memcached key: ${problem}`);
}

const HEX = '0123456789ABCDEF';

/**
 * The key nginx sends for `set $memcached_key $uri; memcached_pass ...;` given that `$uri`:
 * the request path after nginx decoded %XX, merged slashes and dropped the query string.
 *
 * ngx_http_memcached_create_request() escapes $memcached_key with ngx_escape_uri(...,
 * NGX_ESCAPE_MEMCACHED), whose table (nginx src/core/ngx_string.c, comment `" ", "%", %00-%1F`)
 * marks only bytes 0x00-0x1F, 0x20 and 0x25; it writes upper-case hex ("0123456789ABCDEF").
 * DEL (0x7F) and every byte >= 0x80 pass raw, so a UTF-8 path stays UTF-8 in the key. Since
 * all UTF-8 continuation bytes are >= 0x80, escaping per UTF-16 unit here equals nginx's per-byte
 * loop over the UTF-8 bytes. The result may still exceed 250 bytes: nginx then gets an error from
 * memcached (a 502 that `error_page` sends to the app), so callers should check keyProblem().
 */
export function nginxMemcachedKey(uri: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c <= 0x20 || c === 0x25) {
      out += uri.slice(from, i) + '%' + HEX[c >> 4] + HEX[c & 0xf];
      from = i + 1;
    }
  }
  return from === 0 ? uri : out + uri.slice(from);
}
