import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CookieJar } from '../../../src/bench/cookie-jar.js';
import { cssUrlsOnce, extractCssUrls } from '../../../src/bench/css-urls.js';
import { extractAssets, extractPageAssets } from '../../../src/bench/extract-assets.js';
import { parseListFile } from '../../../src/bench/list-file.js';
import { resolveOptions } from '../../../src/bench/options.js';
import { parseServerTiming } from '../../../src/bench/server-timing.js';
import { expandTarget, parseUrlTemplate, Rng } from '../../../src/bench/url-template.js';

test('URL templates: ranges in path and query, expanded per request, inclusive', () => {
  const t = parseUrlTemplate('http://127.0.0.1:8080/users/{1..3}?page={0..0}');
  assert.equal(t.origin.port, 8080);
  assert.equal(t.origin.hostHeader, '127.0.0.1:8080');
  assert.equal(t.fixed, false);
  const rng = new Rng(1);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(expandTarget(t, rng));
  assert.deepEqual([...seen].sort(), ['/users/1?page=0', '/users/2?page=0', '/users/3?page=0']);
  assert.equal(parseUrlTemplate('http://localhost/').origin.port, 80);
  assert.equal(expandTarget(parseUrlTemplate('http://h:1'), rng), '/');
});

test('https:// URLs: port 443 by default, SNI from the host name, none for an IP literal', () => {
  const a = parseUrlTemplate('https://example.com/x').origin;
  assert.deepEqual(
    [a.tls, a.port, a.servername, a.key, a.hostHeader],
    [true, 443, 'example.com', 'https://example.com', 'example.com'],
  );
  const b = parseUrlTemplate('https://127.0.0.1:8443/').origin;
  assert.deepEqual([b.tls, b.port, b.servername, b.key], [true, 8443, undefined, 'https://127.0.0.1:8443']);
  assert.equal(parseUrlTemplate('https://[::1]:8443/').origin.servername, undefined);
  assert.equal(parseUrlTemplate('http://h/').origin.tls, false);
});

test('bad URLs and templates are E_BAD_URL / E_BAD_TEMPLATE', () => {
  for (const u of ['not a url', 'ws://example.com/', 'ftp://x/', '/relative'])
    assert.throws(() => parseUrlTemplate(u), { code: 'E_BAD_URL' }, u);
  for (const u of ['http://h/{5..1}', 'http://h/{a..b}', 'http://h/{1..}', 'http://h/x}', 'http://h{1..2}/'])
    assert.throws(() => parseUrlTemplate(u), { code: 'E_BAD_TEMPLATE' }, u);
});

test('list file: [METHOD] URL [BODY], comments, blank lines; all bad lines reported together', () => {
  const defs = parseListFile('# c\n\nhttp://h/a\nPOST http://h/login user={1..9}&x=1\nHEAD http://h/b\n');
  assert.deepEqual(
    defs.map((d) => [d.method, d.url.text, d.body]),
    [
      ['GET', 'http://h/a', undefined],
      ['POST', 'http://h/login', 'user={1..9}&x=1'],
      ['HEAD', 'http://h/b', undefined],
    ],
  );
  assert.throws(
    () => parseListFile('http://h/ok\nPOST\nGET ftp://h/\nhttp://h/{9..1}\n', 'urls.txt'),
    (e: Error & { code: string }) =>
      e.code === 'E_BAD_LIST_FILE' &&
      /line 2/.test(e.message) &&
      /line 3/.test(e.message) &&
      /line 4/.test(e.message),
  );
  assert.throws(() => parseListFile('# only comments\n'), { code: 'E_BAD_LIST_FILE' });
});

test('options: defaults, all problems at once, list file read, login resolved against the first URL', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-bench-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'list.txt'), 'http://127.0.0.1:9/a\n');
  const o = resolveOptions({
    urls: [],
    listFile: join(dir, 'list.txt'),
    connections: 4,
    login: 'POST /login u=1',
  });
  assert.equal(o.durationMs, 10_000);
  assert.equal(o.pipelining, 1);
  assert.equal(o.login!.url.text, 'http://127.0.0.1:9/login');
  assert.ok(o.threads >= 1 && o.threads <= 4);
  assert.throws(
    () => resolveOptions({ urls: ['http://h/'], connections: 0, pipelining: 0, page: true, rate: -1 }),
    (e: Error & { code: string }) =>
      e.code === 'E_USAGE' &&
      /connections/.test(e.message) &&
      /pipelining/.test(e.message) &&
      /rate/.test(e.message),
  );
  assert.throws(() => resolveOptions({ urls: ['http://h/{2..1}'], connections: 1 }), {
    code: 'E_BAD_TEMPLATE',
  });
  assert.throws(() => resolveOptions({ urls: [], listFile: join(dir, 'nope'), connections: 1 }), {
    code: 'E_BAD_LIST_FILE',
  });
});

test('cookie jar: set, replace, delete by Max-Age=0 or past Expires', () => {
  const j = new CookieJar();
  assert.equal(j.headerLine(), '');
  j.set('sid=abc; Path=/; HttpOnly');
  j.set('theme=dark');
  assert.equal(j.headerLine(), 'Cookie: sid=abc; theme=dark\r\n');
  j.set('sid=def');
  assert.equal(j.get('sid'), 'def');
  j.set('theme=; Max-Age=0');
  j.set('sid=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  assert.equal(j.size, 0);
  assert.equal(j.headerLine(), '');
});

test('extract assets: stylesheets, scripts, images, same origin only, deduplicated, <base> honoured', () => {
  const html = `<html><head><base href="/app/"><link rel="stylesheet" href="s.css"><link rel=icon href=/f.ico>
    <link rel="preconnect" href="/no"><script src='/js/a.js?v=1'></script><script>inline()</script></head>
    <body><img src="p.jpg#x"><img srcset="/big.jpg 2x, /small.jpg 1x"><img src="http://cdn.example/x.png">
    <img src="data:image/png;base64,AA"><img src="p.jpg"><a href="/not-an-asset">x</a></body></html>`;
  assert.deepEqual(extractAssets(html, 'http://127.0.0.1:8080/users/1'), [
    '/app/s.css',
    '/f.ico',
    '/js/a.js?v=1',
    '/app/p.jpg',
    '/big.jpg',
  ]);
});

test('extract assets without <base>: root-relative fast path, dot segments still resolved', () => {
  const html =
    '<link rel=stylesheet href="/static/site.css"><img src="/x/../y.png"><img src="/static/./t.jpg"><img src="rel.png">';
  assert.deepEqual(extractAssets(html, 'http://h/users/5'), [
    '/static/site.css',
    '/y.png',
    '/static/t.jpg',
    '/users/rel.png',
  ]);
});

test('Server-Timing: several metrics, quoted dur, missing dur counts without time', () => {
  const m = new Map<string, { count: number; sumMs: number }>();
  parseServerTiming('db;dur=53.2, app;desc="render";dur="47.5", cache', m);
  parseServerTiming('db;dur=1', m);
  assert.deepEqual(Object.fromEntries(m), {
    db: { count: 2, sumMs: 54.2 },
    app: { count: 1, sumMs: 47.5 },
    cache: { count: 1, sumMs: 0 },
  });
});

test('extract assets: link rel=preload, modulepreload and icon are fetched, prefetch and preconnect not', () => {
  const html =
    '<link rel="preload" href="/f.woff2" as="font" crossorigin><link rel=modulepreload href="/m.js">' +
    '<link rel="shortcut icon" href="/i.ico"><link rel="prefetch" href="/next.html"><link rel=dns-prefetch href="//x">' +
    '<link rel="preload" href="/s.css" as="style"><link rel="stylesheet" href="/s.css" media="print">' +
    '<link rel=manifest href="/app.webmanifest"><script type="module" src="/app.js"></script>';
  assert.deepEqual(extractPageAssets(html, 'http://h/p'), [
    { target: '/f.woff2', css: false },
    { target: '/m.js', css: false },
    { target: '/i.ico', css: false },
    // Preloaded as a style, then used as a stylesheet: one fetch, read as CSS; media is not evaluated.
    { target: '/s.css', css: true },
    { target: '/app.js', css: false },
  ]);
});

test('extract assets: url()s of inline <style> blocks, relative to the page (or its <base>)', () => {
  const html =
    '<base href="/app/"><style>@import "print.css"; .a{background:url(\'img/a.png\')}</style><img src=x.png>';
  assert.deepEqual(extractPageAssets(html, 'http://h/users/1'), [
    { target: '/app/print.css', css: true },
    { target: '/app/img/a.png', css: false },
    { target: '/app/x.png', css: false },
  ]);
});

test('CSS: url() in its three spellings, @import, relative to the stylesheet; comments, data:, #refs, other origins skipped', () => {
  const css = `@import url("base.css"); @import 'theme.css' screen;
    /* .old { background: url(/old.png) } */
    @font-face { font-family: A; src: url(../fonts/a.woff2) format("woff2"), url( '../fonts/a.woff' ) format("woff"); }
    .b { background: url(data:image/svg+xml;utf8,<svg/>) } .c { mask: url(#m) } .d { background: url(http://cdn.example/x.png) }
    .e { background-image: url( "/img/e.png?v=2" ) } .f { cursor: url(c.cur), auto } .g { background: URL(/img/e.png?v=2) }`;
  assert.deepEqual(extractCssUrls(css, 'http://h/static/css/site.css'), [
    { target: '/static/css/base.css', css: true },
    { target: '/static/css/theme.css', css: true },
    { target: '/static/fonts/a.woff2', css: false },
    { target: '/static/fonts/a.woff', css: false },
    { target: '/img/e.png?v=2', css: false },
    { target: '/static/css/c.cur', css: false },
  ]);
});

test('CSS: the same stylesheet text is scanned once per thread; changed text is scanned again', () => {
  const a = cssUrlsOnce('.a{background:url(/a.png)}', 'http://h/memo.css');
  assert.equal(
    cssUrlsOnce('.a{background:url(/a.png)}', 'http://h/memo.css'),
    a,
    'the same array: not re-scanned',
  );
  assert.deepEqual(
    cssUrlsOnce('.a{background:url(/b.png)}', 'http://h/memo.css').map((x) => x.target),
    ['/b.png'],
  );
});
