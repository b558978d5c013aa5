import type { Clock } from './clock.js';
import {
  CLS_ASSET,
  CLS_LOGIN,
  CLS_PAGE,
  CLS_URL,
  type Connection,
  type ConnectionSink,
  type ErrorKind,
  type Exchange,
  type Transport,
} from './connection.js';
import { CookieJar } from './cookie-jar.js';
import { extractAssets } from './extract-assets.js';
import type { ParsedResponse } from './http-parser.js';
import type { ResolvedOptions } from './options.js';
import { BROWSER_CONNECTIONS } from './options.js';
import type { Recorder } from './recorder.js';
import { RequestCache, serializeRequest } from './request-builder.js';
import type { Origin, Rng } from './url-template.js';

/** What a virtual user needs from the scheduler that drives it. */
export interface UserContext {
  readonly opts: ResolvedOptions;
  readonly clock: Clock;
  readonly transport: Transport;
  readonly recorder: Recorder;
  readonly rng: Rng;
  readonly stopped: boolean;
  /** A unit of work (a request, or a page view with --page) finished; `backoff` after a refused connect. */
  unitDone(vu: VirtualUser, backoff: boolean): void;
  loginDone(vu: VirtualUser): void;
}

/**
 * One simulated browser: its own cookie jar and keep-alive connections. Without --page a unit is one
 * request (up to -p of them pipelined on one connection); with --page a unit is a page view: the
 * HTML, then every same-origin asset over up to 6 connections, like a browser with an empty cache
 * (the talk's benchmarker loaded everything every time; --cache revalidates instead).
 */
export class VirtualUser implements ConnectionSink {
  readonly jar = new CookieJar();
  private readonly conns = new Map<string, (Connection | undefined)[]>();
  private readonly requests: RequestCache;
  private next = 0;
  // Browser-mode page view in progress.
  private pageOrigin: Origin | undefined;
  private pageIntended = 0;
  private pageFailed = false;
  private backoff = false;
  private assets: string[] = [];
  private assetNext = 0;
  private assetOutstanding = 0;
  private readonly validators = new Map<string, string>();
  private readonly assetBytes = new Map<string, Buffer>();
  private assetCookie = '';

  constructor(
    private readonly ctx: UserContext,
    id: number,
  ) {
    this.requests = new RequestCache(
      ctx.opts.requests,
      this.jar,
      ctx.rng,
      ctx.opts.page ? 'text/html' : '*/*',
    );
    // Spread virtual users over a URL list so that they do not all fetch the same line at once.
    this.next = id % ctx.opts.requests.length;
  }

  login(): void {
    const def = this.ctx.opts.login!;
    const cache = new RequestCache([def], this.jar, this.ctx.rng, '*/*');
    const bytes = cache.build(0);
    this.send(
      def.url.origin,
      0,
      bytes,
      CLS_LOGIN,
      cache.target,
      def.method === 'HEAD',
      false,
      this.ctx.clock.now(),
    );
  }

  /** Starts one unit of work due at `intendedAt`. */
  startUnit(intendedAt: number): void {
    const i = this.next;
    this.next = (i + 1) % this.ctx.opts.requests.length;
    const def = this.ctx.opts.requests[i]!;
    const bytes = this.requests.build(i);
    const target = this.requests.target;
    if (!this.ctx.opts.page) {
      this.send(def.url.origin, 0, bytes, CLS_URL, target, def.method === 'HEAD', false, intendedAt);
      return;
    }
    this.pageOrigin = def.url.origin;
    this.pageIntended = intendedAt;
    this.pageFailed = false;
    this.backoff = false;
    this.send(def.url.origin, 0, bytes, CLS_PAGE, target, false, true, intendedAt);
  }

  onResponse(_conn: Connection, x: Exchange, res: ParsedResponse, at?: number): void {
    if (res.setCookies !== null) for (const c of res.setCookies) this.jar.set(c);
    if (this.ctx.stopped) return;
    const now = at ?? this.ctx.clock.now();
    this.ctx.recorder.response(x, res, now);
    switch (x.cls) {
      case CLS_URL:
        this.ctx.unitDone(this, false);
        break;
      case CLS_LOGIN:
        this.ctx.loginDone(this);
        break;
      case CLS_PAGE:
        this.pageArrived(x, res);
        break;
      default:
        if (this.ctx.opts.cache && (res.etag !== null || res.lastModified !== null))
          this.validators.set(
            x.target,
            (res.etag === null ? '' : `If-None-Match: ${res.etag}\r\n`) +
              (res.lastModified === null ? '' : `If-Modified-Since: ${res.lastModified}\r\n`),
          );
        this.assetDone(x);
    }
  }

  onClose(conn: Connection, kind: ErrorKind | null, lost: Exchange[]): void {
    for (const list of this.conns.values()) {
      const k = list.indexOf(conn);
      if (k >= 0) list[k] = undefined;
    }
    if (this.ctx.stopped) return;
    if (kind !== null && lost.length === 0) this.ctx.recorder.error(null, kind);
    const refused = kind === 'refused' || kind === 'connect';
    for (const x of lost) {
      this.ctx.recorder.error(x, kind ?? 'closed');
      if (x.cls === CLS_URL) this.ctx.unitDone(this, refused);
      else if (x.cls === CLS_LOGIN) this.ctx.loginDone(this);
      else {
        this.pageFailed = true;
        this.backoff ||= refused;
        if (x.cls === CLS_PAGE) this.finishPage();
        else this.assetDone(x);
      }
    }
  }

  /** Fails connections whose oldest request was sent before `limit` (the per-request --timeout). */
  checkTimeouts(limit: number): void {
    for (const list of this.conns.values())
      for (const c of list) {
        if (c === undefined) continue;
        const t = c.oldestSentAt();
        if (t >= 0 && t < limit) c.fail('timeout');
      }
  }

  close(): void {
    for (const list of this.conns.values()) for (const c of list) c?.fail(null);
  }

  private send(
    origin: Origin,
    slot: number,
    bytes: Buffer,
    cls: number,
    target: string,
    head: boolean,
    keepBody: boolean,
    intendedAt: number,
  ): void {
    let list = this.conns.get(origin.key);
    if (list === undefined) {
      list = [];
      this.conns.set(origin.key, list);
    }
    let conn = list[slot];
    if (conn === undefined || !conn.usable) {
      conn = this.ctx.transport.open(origin, this);
      list[slot] = conn;
    }
    conn.send({ bytes, head, keepBody, cls, slot, target, intendedAt, sentAt: 0 });
  }

  private pageArrived(x: Exchange, res: ParsedResponse): void {
    const origin = this.pageOrigin!;
    this.assets = [];
    if (res.status >= 200 && res.status < 300 && res.body !== null && res.body.length > 0)
      this.assets = extractAssets(Buffer.concat(res.body).toString('utf8'), origin.key + x.target);
    this.assetNext = 0;
    this.assetOutstanding = 0;
    const parallel = Math.min(BROWSER_CONNECTIONS, this.assets.length);
    for (let slot = 0; slot < parallel; slot++) this.sendAsset(slot);
    if (parallel === 0) this.finishPage();
  }

  private sendAsset(slot: number): boolean {
    if (this.assetNext >= this.assets.length) return false;
    const target = this.assets[this.assetNext++]!;
    const origin = this.pageOrigin!;
    const bytes = this.assetRequest(origin, target);
    this.assetOutstanding += 1;
    this.send(origin, slot, bytes, CLS_ASSET, target, false, false, this.ctx.clock.now());
    return true;
  }

  /** Asset requests are cached per user while its cookies stay the same (at most 1,000 kept). */
  private assetRequest(origin: Origin, target: string): Buffer {
    const cookie = this.jar.headerLine();
    if (this.ctx.opts.cache)
      return serializeRequest('GET', origin.hostHeader, target, cookie + (this.validators.get(target) ?? ''));
    if (cookie !== this.assetCookie || this.assetBytes.size >= 1000) {
      this.assetBytes.clear();
      this.assetCookie = cookie;
    }
    let bytes = this.assetBytes.get(target);
    if (bytes === undefined) {
      bytes = serializeRequest('GET', origin.hostHeader, target, cookie);
      this.assetBytes.set(target, bytes);
    }
    return bytes;
  }

  private assetDone(x: Exchange): void {
    this.assetOutstanding -= 1;
    if (!this.sendAsset(x.slot) && this.assetOutstanding === 0) this.finishPage();
  }

  private finishPage(): void {
    this.ctx.recorder.page(this.pageIntended, this.ctx.clock.now(), !this.pageFailed);
    this.ctx.unitDone(this, this.backoff);
  }
}
