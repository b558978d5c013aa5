import type { CookieJar } from './cookie-jar.js';
import type { ParsedResponse } from './http-parser.js';
import { serializeRequest } from './request-builder.js';
import type { Origin } from './url-template.js';

/**
 * One virtual user's asset requests. Without --cache, an asset's request bytes are built once and
 * re-sent while the user's cookies stay the same (at most 1,000 kept: a page view re-fetches the
 * same few dozen). With --cache, each asset's validators (ETag, Last-Modified) ride on its next
 * request, so the server can answer 304, as a browser's cache revalidates.
 */
export class AssetRequests {
  private readonly validators = new Map<string, string>();
  private readonly bytes = new Map<string, Buffer>();
  private cookie = '';

  constructor(
    private readonly jar: CookieJar,
    private readonly revalidate: boolean,
  ) {}

  /** Notes the validators of an asset's response (--cache only). */
  answered(target: string, res: ParsedResponse): void {
    if (!this.revalidate || (res.etag === null && res.lastModified === null)) return;
    this.validators.set(
      target,
      (res.etag === null ? '' : `If-None-Match: ${res.etag}\r\n`) +
        (res.lastModified === null ? '' : `If-Modified-Since: ${res.lastModified}\r\n`),
    );
  }

  build(origin: Origin, target: string): Buffer {
    const cookie = this.jar.headerLine();
    if (this.revalidate)
      return serializeRequest('GET', origin.hostHeader, target, cookie + (this.validators.get(target) ?? ''));
    if (cookie !== this.cookie || this.bytes.size >= 1000) {
      this.bytes.clear();
      this.cookie = cookie;
    }
    let bytes = this.bytes.get(target);
    if (bytes === undefined) {
      bytes = serializeRequest('GET', origin.hostHeader, target, cookie);
      this.bytes.set(target, bytes);
    }
    return bytes;
  }
}
