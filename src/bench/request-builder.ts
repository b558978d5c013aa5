import type { CookieJar } from './cookie-jar.js';
import type { RequestDef } from './list-file.js';
import { expandTarget, expandText, type Rng } from './url-template.js';

/**
 * Requests are serialized to a Buffer once and re-sent as is (the hot path writes bytes, it
 * formats nothing); a request is rebuilt only when its URL has a random range, it has a body
 * with ranges, or the virtual user's cookies changed.
 */
export function serializeRequest(
  method: string,
  hostHeader: string,
  target: string,
  extraHeaders: string,
  body?: string,
  accept = '*/*',
): Buffer {
  let head = `${method} ${target} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: flickr-killr-bench\r\nAccept: ${accept}\r\n${extraHeaders}`;
  if (body === undefined) return Buffer.from(`${head}\r\n`, 'latin1');
  const bytes = Buffer.from(body, 'utf8');
  head += `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}

/** A virtual user's cache of serialized requests, one per RequestDef, valid while its cookies are. */
export class RequestCache {
  private readonly bytes: (Buffer | undefined)[] = [];
  private readonly cookieLine: string[] = [];

  constructor(
    private readonly defs: RequestDef[],
    private readonly jar: CookieJar,
    private readonly rng: Rng,
    private readonly accept: string,
  ) {}

  /** Path + query of the request last built (set by build, to avoid an object per request). */
  target = '/';

  /** The bytes of request number i; its target is left in `target`. */
  build(i: number): Buffer {
    const def = this.defs[i]!;
    const cookie = this.jar.headerLine();
    const cacheable = def.url.fixed && (def.body === undefined || !def.body.includes('{'));
    if (cacheable) {
      const cached = this.bytes[i];
      if (cached !== undefined && this.cookieLine[i] === cookie) {
        this.target = def.url.parts[0] as string;
        return cached;
      }
    }
    const target = expandTarget(def.url, this.rng);
    const body = def.body === undefined ? undefined : expandText(def.body, this.rng);
    const bytes = serializeRequest(def.method, def.url.origin.hostHeader, target, cookie, body, this.accept);
    if (cacheable) {
      this.bytes[i] = bytes;
      this.cookieLine[i] = cookie;
    }
    this.target = target;
    return bytes;
  }
}
