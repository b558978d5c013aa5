import { AssetRequests } from './asset-requests.js';
import type { Clock } from './clock.js';
import { CookieJar } from './cookie-jar.js';
import { cssUrlsOnce, lastCssUrls } from './css-urls.js';
import { extractPageAssets } from './extract-assets.js';
import type { ParsedResponse } from './http-parser.js';
import type { ResolvedOptions } from './options.js';
import { BROWSER_CONNECTIONS } from './options.js';
import { PageAssets } from './page-assets.js';
import type { Recorder } from './recorder.js';
import { RequestCache } from './request-builder.js';
import type {
  Connection,
  ConnectionSink,
  ErrorKind,
  Exchange,
  TlsSessionSlot,
  Transport,
} from './transport.js';
import { CLS_ASSET, CLS_LOGIN, CLS_PAGE, CLS_URL } from './url-class.js';
import type { Origin, Rng } from './url-template.js';

/** What a virtual user needs from the engine that drives it. */
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

/** RFC 9110 §9.2.2: the methods a client may send again without changing what the server did. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * One simulated browser: its own cookie jar, keep-alive connections and TLS sessions. Without
 * --page a unit is one request (up to -p of them pipelined on one connection); with --page a unit
 * is a page view: the HTML, then every same-origin asset it names — and what its stylesheets name
 * — over up to 6 connections, like a browser with an empty cache (the talk's benchmarker loaded
 * everything every time; --cache revalidates instead). A request a stale keep-alive connection
 * lost is sent once more on a new connection, as browsers do (RFC 9112 §9.3.1), and counted apart.
 */
export class VirtualUser implements ConnectionSink {
  readonly jar = new CookieJar();
  private readonly conns = new Map<string, (Connection | undefined)[]>();
  private readonly origins = new Map<string, Origin>();
  private readonly tlsSessions = new Map<string, TlsSessionSlot>();
  private readonly requests: RequestCache;
  private next = 0;
  // Browser-mode page view in progress.
  private pageOrigin: Origin | undefined;
  private pageIntended = 0;
  private pageFailed = false;
  private backoff = false;
  private readonly assets = new PageAssets();
  private readonly slotBusy: boolean[] = new Array(BROWSER_CONNECTIONS).fill(false);
  private assetOutstanding = 0;
  private readonly assetRequests: AssetRequests;

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
    this.assetRequests = new AssetRequests(this.jar, ctx.opts.cache);
    // Spread virtual users over a URL list so that they do not all fetch the same line at once.
    this.next = id % ctx.opts.requests.length;
  }

  login(): void {
    const def = this.ctx.opts.login!;
    const cache = new RequestCache([def], this.jar, this.ctx.rng, '*/*');
    const bytes = cache.build(0);
    const x = exchange(bytes, def.method, CLS_LOGIN, cache.target, false, this.ctx.clock.now());
    this.send(def.url.origin, x);
  }

  /** Starts one unit of work due at `intendedAt`. */
  startUnit(intendedAt: number): void {
    const i = this.next;
    this.next = (i + 1) % this.ctx.opts.requests.length;
    const def = this.ctx.opts.requests[i]!;
    const bytes = this.requests.build(i);
    const target = this.requests.target;
    if (!this.ctx.opts.page) {
      this.send(def.url.origin, exchange(bytes, def.method, CLS_URL, target, false, intendedAt));
      return;
    }
    this.pageOrigin = def.url.origin;
    this.pageIntended = intendedAt;
    this.pageFailed = false;
    this.backoff = false;
    this.send(def.url.origin, exchange(bytes, 'GET', CLS_PAGE, target, true, intendedAt));
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
        this.assetRequests.answered(x.target, res);
        if (x.keepBody) this.stylesheetArrived(x, res);
        this.assetDone(x);
    }
  }

  onClose(conn: Connection, kind: ErrorKind | null, lost: Exchange[], stale: boolean): void {
    let origin: Origin | undefined;
    for (const [key, list] of this.conns) {
      const k = list.indexOf(conn);
      if (k >= 0) {
        list[k] = undefined;
        origin = this.origins.get(key);
      }
    }
    if (this.ctx.stopped) return;
    // An idle keep-alive connection the server closed (or reset) lost nothing: not an error.
    if (kind !== null && lost.length === 0 && !stale) this.ctx.recorder.error(null, kind);
    const refused = kind === 'refused' || kind === 'connect';
    for (const x of lost) {
      if (stale && x.idempotent && !x.retried && origin !== undefined) {
        x.retried = true;
        this.ctx.recorder.retried(x);
        this.send(origin, x);
        continue;
      }
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

  onHandshake(us: number, resumed: boolean): void {
    if (!this.ctx.stopped) this.ctx.recorder.handshake(us, resumed, this.ctx.clock.now());
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

  /** Sends on connection `x.slot` to `origin`, opening it (again) when there is none usable. */
  private send(origin: Origin, x: Exchange): void {
    let list = this.conns.get(origin.key);
    if (list === undefined) {
      list = [];
      this.conns.set(origin.key, list);
      this.origins.set(origin.key, origin);
    }
    let conn = list[x.slot];
    if (conn === undefined || !conn.usable) {
      let tls: TlsSessionSlot | undefined;
      if (origin.tls) {
        tls = this.tlsSessions.get(origin.key);
        if (tls === undefined) {
          tls = { session: undefined };
          this.tlsSessions.set(origin.key, tls);
        }
      }
      conn = this.ctx.transport.open(origin, this, tls);
      list[x.slot] = conn;
    }
    conn.send(x);
  }

  private pageArrived(x: Exchange, res: ParsedResponse): void {
    const origin = this.pageOrigin!;
    this.assets.reset(
      res.status >= 200 && res.status < 300 && res.body !== null && res.body.length > 0
        ? extractPageAssets(Buffer.concat(res.body).toString('utf8'), origin.key + x.target)
        : [],
    );
    this.assetOutstanding = 0;
    this.slotBusy.fill(false);
    this.pump();
    if (this.assetOutstanding === 0) this.finishPage();
  }

  /**
   * A stylesheet's url()s and @imports join the page view's queue (the same asset once per view).
   * A 304 has no body: the references are those of its last full response, as a browser's cache
   * keeps the parsed sheet.
   */
  private stylesheetArrived(x: Exchange, res: ParsedResponse): void {
    const url = this.pageOrigin!.key + x.target;
    if (res.status >= 200 && res.status < 300 && res.body !== null)
      this.assets.add(cssUrlsOnce(Buffer.concat(res.body).toString('utf8'), url));
    else if (res.status === 304) this.assets.add(lastCssUrls(url));
  }

  /** Every idle connection of the view takes the next queued asset. */
  private pump(): void {
    for (let slot = 0; slot < BROWSER_CONNECTIONS; slot++) {
      if (this.slotBusy[slot]) continue;
      const a = this.assets.take();
      if (a === undefined) return;
      const origin = this.pageOrigin!;
      this.slotBusy[slot] = true;
      this.assetOutstanding += 1;
      const x = exchange(this.assetRequests.build(origin, a.target), 'GET', CLS_ASSET, a.target, a.css, 0);
      x.slot = slot;
      x.intendedAt = this.ctx.clock.now();
      this.send(origin, x);
    }
  }

  private assetDone(x: Exchange): void {
    this.assetOutstanding -= 1;
    this.slotBusy[x.slot] = false;
    this.pump();
    if (this.assetOutstanding === 0) this.finishPage();
  }

  private finishPage(): void {
    this.ctx.recorder.page(this.pageIntended, this.ctx.clock.now(), !this.pageFailed);
    this.ctx.unitDone(this, this.backoff);
  }
}

function exchange(
  bytes: Buffer,
  method: string,
  cls: number,
  target: string,
  keepBody: boolean,
  intendedAt: number,
): Exchange {
  return {
    bytes,
    head: method === 'HEAD',
    idempotent: IDEMPOTENT.has(method),
    retried: false,
    keepBody,
    cls,
    slot: 0,
    target,
    intendedAt,
    sentAt: 0,
  };
}
