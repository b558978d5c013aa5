/**
 * The app's smoke suite, shared by every way of serving it (in-process, node:http, CGI, nginx,
 * memcached, …): the same assertions, replayed through a FetchLike.
 *
 *   import { appSmokeCase, type FetchLike } from './app-smoke.case.js';
 *   import { rawHttpFetch } from '../helpers/app-raw-client.js';
 *   test('stage X serves the app', async (t) => {
 *     await appSmokeCase(t, rawHttpFetch(running.url), { validators: true, limits: true });
 *   });
 *
 *   type FetchLike = (req: SmokeRequest) => Promise<SmokeResponse>
 *   SmokeRequest  = { method: string; target: string;            // raw request-target, sent as is
 *                     headers?: Record<string, string>; body?: string | Buffer }
 *   SmokeResponse = { status: number; body: Buffer;
 *                     headers: Record<string, string | string[] | undefined> } // lower-case names; set-cookie: string[]
 *
 * Data: a database made by `flickr-killr seed --users 200` (any --seed): users 1..200 exist, 201+
 * do not, and user 1 is the canary ('canary', see CANARY in src/store/seed.ts).
 * Options: validators (default true) — static responses carry ETag/Last-Modified and answer 304;
 * false for nginx memcached_pass, which sends neither. limits (default true) — 414/431 come from
 * an adapter, so false for the bare handler. servedBy — a pattern X-Served-By of pages must match.
 * staticFrom — who answers /static/: 'app' (default) or 'front' (nginx-static, memcached: a front
 * server owns the path, so a malformed or climbing static path may be its 404/403, not the app's
 * 400). When servedBy is given and /static/site.css is not served by a matching X-Served-By, the
 * suite takes 'front' by itself. The app's own answers (400 for '/static/%FF.css') stay asserted
 * in-process, where staticFrom is 'app'.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { AppResponse, Handler } from '../../src/app/types.js';

export interface SmokeRequest {
  method: string;
  target: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}
export interface SmokeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
export type FetchLike = (req: SmokeRequest) => Promise<SmokeResponse>;
export interface SmokeOptions {
  validators?: boolean;
  limits?: boolean;
  servedBy?: RegExp;
  staticFrom?: 'app' | 'front';
}

/** The bare handler as a FetchLike (no socket, no adapter limits). */
export function handlerFetch(handler: Handler): FetchLike {
  return async (req) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
    if (body.length > 0) headers['content-length'] = String(body.length);
    return fromAppResponse(await handler({ method: req.method, url: req.target, headers, body }));
  };
}

function fromAppResponse(r: AppResponse): SmokeResponse {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    const key = k.toLowerCase();
    headers[key] = key === 'set-cookie' ? (Array.isArray(v) ? v : [v]) : Array.isArray(v) ? v.join(', ') : v;
  }
  return { status: r.status, headers, body: Buffer.from(r.body) };
}

const STACK_RE = /\n\s+at .+:\d+:\d+/;
const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(', ') : (v ?? ''));
const cookieOf = (r: SmokeResponse): string => (r.headers['set-cookie'] as string[] | undefined)?.[0] ?? '';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

export async function appSmokeCase(
  t: TestContext,
  rawFetch: FetchLike,
  opts: SmokeOptions = {},
): Promise<void> {
  const validators = opts.validators ?? true;
  const limits = opts.limits ?? true;
  // Every response of the suite: never a stack trace, always a status we meant.
  const fetch: FetchLike = async (req) => {
    const res = await rawFetch(req);
    assert.doesNotMatch(res.body.toString('utf8'), STACK_RE, `stack trace in ${req.method} ${req.target}`);
    assert.ok(res.status < 500, `${req.method} ${req.target} → ${res.status}`);
    return res;
  };
  const get = (target: string, headers?: Record<string, string>) => fetch({ method: 'GET', target, headers });
  const probe = await get('/static/site.css');
  const staticFrom =
    opts.staticFrom ??
    (opts.servedBy && !opts.servedBy.test(one(probe.headers['x-served-by'])) ? 'front' : 'app');
  /** Statuses a bad static path may get: the app's own, or also a front server's 404/403. */
  const staticBad = (appStatuses: number[]) =>
    staticFrom === 'app' ? appStatuses : [...appStatuses, 403, 404];

  await t.test('front page links to users and the site assets', async () => {
    const r = await get('/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    const html = r.body.toString('utf8');
    assert.match(html, /<a href="\/users\/1">/);
    assert.match(html, /<link rel="stylesheet" href="\/static\/site\.css">/);
  });

  await t.test('the user page: profile, photos, assets by ordinary tags, escaped UTF-8', async () => {
    const r = await get('/users/1');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(Number(r.headers['content-length']), r.body.length);
    const html = r.body.toString('utf8');
    assert.match(html, /<link rel="stylesheet" href="\/static\/site\.css">/);
    assert.match(html, /<script src="\/static\/site\.js"/);
    assert.match(html, /<img src="\/static\/logo\.svg"/);
    const thumbs = html.match(/<img src="\/static\/thumbs\/t\d{4}\.png"/g) ?? [];
    assert.ok(thumbs.length >= 10 && thumbs.length <= 20, `${thumbs.length} thumbnails`);
    assert.ok(
      html.includes('&lt;script&gt;alert(&quot;fk&quot;)&lt;/script&gt; &amp; 山田 🦊'),
      'escaped name',
    );
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; Café 東京 🎉'), 'escaped title');
    assert.ok(!html.includes('<script>alert'), 'no raw script from data');
    assert.ok(!html.includes('<img src=x'), 'no raw img from data');
    const timing = one(r.headers['server-timing']);
    for (const m of ['session', 'db', 'render']) assert.match(timing, new RegExp(`\\b${m};dur=\\d`));
    if (opts.servedBy) assert.match(one(r.headers['x-served-by']), opts.servedBy);
  });

  await t.test('HEAD gives the headers of GET without a body', async () => {
    const g = await get('/users/2');
    const h = await fetch({ method: 'HEAD', target: '/users/2' });
    assert.equal(h.status, 200);
    assert.equal(h.body.length, 0);
    assert.equal(h.headers['content-length'], g.headers['content-length']);
  });

  await t.test('static files: type, length, validators, 304', async () => {
    const css = await get('/static/site.css');
    assert.equal(css.status, 200);
    assert.match(one(css.headers['content-type']), /^text\/css/);
    assert.equal(Number(css.headers['content-length']), css.body.length);
    assert.match(css.body.toString('utf8'), /ul\.photos/);
    const png = await get('/static/thumbs/t0042.png');
    assert.equal(png.status, 200);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.deepEqual([...png.body.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svg = await get('/static/logo.svg');
    assert.equal(svg.status, 200);
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    if (!validators) return;
    const etag = one(css.headers.etag);
    const lm = one(css.headers['last-modified']);
    assert.match(etag, /^"[^"]+"$/);
    assert.ok(!Number.isNaN(Date.parse(lm)), 'Last-Modified is an HTTP date');
    const inm = await get('/static/site.css', { 'If-None-Match': etag });
    assert.equal(inm.status, 304);
    assert.equal(inm.body.length, 0);
    assert.equal((await get('/static/site.css', { 'If-None-Match': '"other"' })).status, 200);
    assert.equal((await get('/static/site.css', { 'If-Modified-Since': lm })).status, 304);
    const before = new Date(Date.parse(lm) - 86_400_000).toUTCString();
    assert.equal((await get('/static/site.css', { 'If-Modified-Since': before })).status, 200);
  });

  await t.test('unknown users and bad ids are 404 pages', async () => {
    const r = await get('/users/201');
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    for (const id of ['abc', '0', '007', '-1', '1.5', '99999999999999999999', '2147483648', '']) {
      const s = (await get(`/users/${id}`)).status;
      assert.ok(s === 404 || s === 400, `/users/${id} → ${s}`);
    }
    assert.equal((await get('/no/such/page')).status, 404);
  });

  await t.test('malformed percent-encoding is a 400', async () => {
    for (const target of ['/users/%E0%A4%A', '/users/%zz', '/%FF']) {
      assert.equal((await get(target)).status, 400, target);
    }
    for (const target of ['/static/%FF.css', '/static/%E0%A4%A.css']) {
      const s = (await get(target)).status;
      assert.ok(staticBad([400]).includes(s), `${target} → ${s} (static from ${staticFrom})`);
    }
  });

  await t.test('nothing outside the static root, however it is spelled', async () => {
    for (const target of [
      '/static/../../../../etc/passwd',
      '/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/static/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/static/%5c..%5c..%5cetc%5cpasswd',
      '/static/thumbs/..%2f..%2ffk.db',
      '/static/%2e%2e/fk.db',
      '/static/..%2fflickr-killr.db',
      '/static/site.css%00.png',
      '/static//etc/passwd',
      '/static/',
    ]) {
      const r = await get(target);
      assert.ok(
        staticBad([400, 404]).includes(r.status),
        `${target} → ${r.status} (static from ${staticFrom})`,
      );
      assert.ok(!r.body.toString('latin1').includes('root:'), target);
      assert.ok(!r.body.toString('latin1').includes('SQLite format'), target);
    }
  });

  await t.test('unknown methods are 405 with Allow', async () => {
    const d = await fetch({ method: 'DELETE', target: '/users/1' });
    assert.equal(d.status, 405);
    assert.match(one(d.headers.allow), /GET/);
    const g = await get('/login');
    assert.equal(g.status, 405);
    assert.match(one(g.headers.allow), /POST/);
  });

  await t.test('login, pages show who is logged in, logout ends the session', async () => {
    const r = await fetch({ method: 'POST', target: '/login', headers: FORM, body: 'user=1' });
    assert.equal(r.status, 303);
    assert.match(one(r.headers.location), /\/users\/1$/);
    const setCookie = cookieOf(r);
    assert.match(setCookie, /^fk_session=[0-9a-f]{32};/);
    for (const attr of [/;\s*HttpOnly/i, /;\s*SameSite=Lax/i, /;\s*Path=\//]) assert.match(setCookie, attr);
    const cookie = setCookie.split(';')[0]!;
    const page = (await get('/users/2', { Cookie: cookie })).body.toString('utf8');
    assert.match(page, /data-user-id="1"/);
    const front = (await get('/', { Cookie: `other=1; ${cookie}` })).body.toString('utf8');
    assert.match(front, /data-user-id="1"/);
    const out = await fetch({
      method: 'POST',
      target: '/logout',
      headers: { ...FORM, Cookie: cookie },
      body: '',
    });
    assert.equal(out.status, 303);
    assert.match(cookieOf(out), /^fk_session=;.*Max-Age=0/i);
    const after = (await get('/users/2', { Cookie: cookie })).body.toString('utf8');
    assert.doesNotMatch(after, /data-user-id=/);
    assert.match(after, /class="login"/);
  });

  await t.test('login by name', async () => {
    const r = await fetch({ method: 'POST', target: '/login', headers: FORM, body: 'user=canary' });
    assert.equal(r.status, 303);
    assert.match(one(r.headers.location), /\/users\/1$/);
  });

  await t.test('forged or unknown session cookies are logged out', async () => {
    for (const c of ['fk_session=0123456789abcdef0123456789abcdef', 'fk_session=<script>', 'fk_session=']) {
      const r = await get('/users/3', { Cookie: c });
      assert.equal(r.status, 200, c);
      assert.doesNotMatch(r.body.toString('utf8'), /data-user-id=/, c);
    }
  });

  await t.test('bad login bodies: 413, 400, 415', async () => {
    const big = await fetch({
      method: 'POST',
      target: '/login',
      headers: FORM,
      body: `user=${'1'.repeat(5000)}`,
    });
    assert.equal(big.status, 413);
    for (const body of [
      'user=%ZZ',
      'user=%FF',
      '',
      'nobody=1',
      'user=',
      'user=999999',
      'user=no-such-name',
    ]) {
      const r = await fetch({ method: 'POST', target: '/login', headers: FORM, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.headers['set-cookie'], undefined);
    }
    const wrongType = await fetch({
      method: 'POST',
      target: '/login',
      headers: { 'Content-Type': 'text/plain' },
      body: 'user=1',
    });
    assert.ok(wrongType.status === 415 || wrongType.status === 400, `text/plain → ${wrongType.status}`);
  });

  if (limits) {
    await t.test('request limits: long URL 414, big headers 431', async () => {
      assert.equal((await get(`/users/${'1'.repeat(3000)}`)).status, 414);
      const s = (await get('/', { 'X-Big': 'a'.repeat(9000) })).status;
      assert.ok(s === 431 || s === 400, `9000-byte header → ${s}`);
    });
  }
}
