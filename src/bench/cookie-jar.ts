/**
 * One virtual user's cookies (RFC 6265, the parts a load test needs): Set-Cookie name=value with
 * Max-Age / Expires deletion; Domain and Path are ignored because a virtual user talks to one site.
 * The Cookie header is rebuilt only when a cookie changes, so the hot path reads a cached string.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  private header = '';

  /** `Cookie: a=1; b=2\r\n`, or '' when the jar is empty. */
  headerLine(): string {
    return this.header;
  }

  get size(): number {
    return this.cookies.size;
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Applies one Set-Cookie header value; `nowMs` decides whether Expires lies in the past. */
  set(setCookie: string, nowMs = Date.now()): void {
    const [pair = '', ...attrs] = setCookie.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return; // RFC 6265 5.2: ignore a cookie without a name
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let expired = false;
    for (const a of attrs) {
      const [k = '', v = ''] = a.split('=', 2).map((x) => x.trim());
      const key = k.toLowerCase();
      if (key === 'max-age' && /^-?\d+$/.test(v) && Number(v) <= 0) expired = true;
      if (key === 'expires') {
        const t = Date.parse(v);
        if (!Number.isNaN(t) && t <= nowMs) expired = true;
      }
    }
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, value);
    this.rebuild();
  }

  clear(): void {
    this.cookies.clear();
    this.header = '';
  }

  private rebuild(): void {
    if (this.cookies.size === 0) {
      this.header = '';
      return;
    }
    const parts: string[] = [];
    for (const [k, v] of this.cookies) parts.push(`${k}=${v}`);
    this.header = `Cookie: ${parts.join('; ')}\r\n`;
  }
}
