import { badRequest } from './http-error.js';

/**
 * application/x-www-form-urlencoded (WHATWG URL §5): '+' is a space, then percent-decoding.
 * Malformed escapes or non-UTF-8 bytes are a 400, not an exception.
 */
export function parseForm(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const text = body.toString('utf8');
  if (text === '') return out;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = eq < 0 ? pair : pair.slice(0, eq);
    const v = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      out.set(decodeURIComponent(k.replaceAll('+', ' ')), decodeURIComponent(v.replaceAll('+', ' ')));
    } catch {
      throw badRequest('The form body has malformed percent-encoding.');
    }
  }
  return out;
}
