import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchOptions } from '../../../src/bench/api.js';
import { FakeClock } from '../../../src/bench/clock.js';
import { runEngine } from '../../../src/bench/engine.js';
import { Histogram } from '../../../src/bench/histogram.js';
import { resolveOptions } from '../../../src/bench/options.js';
import type { RecorderSnapshot } from '../../../src/bench/recorder.js';
import { type FakeReply, fakeTransport, type SeenRequest } from '../../helpers/fake-transport.js';

// k6-style executor tests: virtual time, so a "30 s" run takes milliseconds and counts are exact.

async function run(
  o: Partial<BenchOptions>,
  handler: (r: SeenRequest) => FakeReply,
  clock = new FakeClock(),
): Promise<{ s: RecorderSnapshot; seen: SeenRequest[]; opened: number; clock: FakeClock }> {
  const fake = fakeTransport(clock, handler);
  const opts = resolveOptions({ urls: ['http://127.0.0.1:1/x'], connections: 1, threads: 1, ...o });
  const spec = {
    opts,
    users: opts.connections,
    seed: 7,
    ...(o.rate ? { rate: o.rate } : {}),
    ...(o.count ? { count: o.count } : {}),
  };
  const engine = runEngine(spec, clock, fake.transport);
  clock.run();
  const s = await engine.done;
  return { s, seen: fake.seen, opened: fake.opened(), clock };
}

const pct = (h: RecorderSnapshot['latency'], p: number) => Histogram.fromJSON(h).percentile(p);

test('closed loop, 2 users, 1 ms responses, "30 s": exactly 59,998 requests, every latency 1 ms', async () => {
  const { s } = await run({ connections: 2, durationMs: 30_000 }, () => ({ us: 1000 }));
  // Each user completes one request per ms; the one due to finish exactly at 30 s is cut off.
  assert.equal(s.requests, 2 * 29_999);
  assert.equal(s.windowUs, 30_000_000);
  assert.equal(pct(s.latency, 50), 1000);
  assert.equal(pct(s.latency, 99.9), 1000);
  assert.equal(s.latency.max, 1000);
  assert.deepEqual(s.statusCodes, { '200': 59_998 });
  assert.deepEqual(s.errors, {});
});

test('warm-up is excluded: 1 s warm-up + 2 s measured at 1 ms per request counts 1,999', async () => {
  const { s } = await run({ durationMs: 2000, warmupMs: 1000 }, () => ({ us: 1000 }));
  assert.equal(s.requests, 1999);
  assert.equal(s.windowUs, 2_000_000);
  assert.equal(s.allResponses, 2999);
});

test('-n 100 over 3 users: exactly 100 requests, then it stops by itself', async () => {
  const { s, seen } = await run({ connections: 3, count: 100 }, () => ({ us: 250 }));
  assert.equal(s.requests, 100);
  assert.equal(seen.length, 100);
});

test('pipelining 4 on one connection keeps 4 in flight: latency 4 x service time', async () => {
  const { s } = await run({ pipelining: 4, durationMs: 1000 }, () => ({ us: 100 }));
  assert.equal(s.requests, 9999);
  assert.equal(pct(s.latency, 50), 400);
  assert.equal(s.latency.min, 100);
});

test('open loop corrects coordinated omission: a 1 s stall in 10 s at 1000/s gives p99 ~ 900 ms', async () => {
  // The server answers in 100 µs, except that nothing is answered between 5 s and 6 s.
  const { s } = await run({ connections: 10, rate: 1000, durationMs: 10_000 }, (r) =>
    r.at >= 5e6 && r.at < 6e6 ? { us: 6e6 - r.at + 100 } : { us: 100 },
  );
  assert.equal(s.requests, 10_000);
  // True latencies: arrivals in the stall wait until 6 s, uniform 0..1 s: the top 1% (100 of
  // 10,000) are those due in the first 100 ms of the stall, so p99 = 900 ms (+ drain time).
  const p99 = pct(s.latency, 99);
  assert.ok(Math.abs(p99 - 900_000) / 900_000 < 0.02, `corrected p99 ${p99}`);
  // Measured from the actual send, the queueing disappears: that is what coordinated omission hides.
  assert.ok(pct(s.latencyUncorrected, 99) < 20_000, `uncorrected p99 ${pct(s.latencyUncorrected, 99)}`);
  assert.equal(pct(s.latency, 50), 100);
});

test('open loop at a rate the server sustains: one request per interval, latency = service time', async () => {
  const { s, seen } = await run({ connections: 4, rate: 200, durationMs: 5000 }, () => ({ us: 3000 }));
  assert.equal(s.requests, 1000);
  assert.equal(pct(s.latency, 99), 3000);
  assert.equal(seen[1]!.at - seen[0]!.at, 5000);
});

test('open loop with -n: exactly N units on schedule, then it ends when the last one returns', async () => {
  const { s, clock } = await run({ connections: 3, rate: 100, count: 50 }, () => ({ us: 100 }));
  assert.equal(s.requests, 50);
  assert.equal(clock.now(), 49 * 10_000 + 100, 'the 50th is due at 490 ms and answered 100 µs later');
  assert.equal(clock.pending(), 0);
});

test('open loop on millisecond timers: units due within the timer resolution go early, not late', async () => {
  // 2,000/s is one unit every 500 µs, finer than Node's 1 ms timers: without the horizon every
  // other unit would be sent ~0.5 ms late and that lag billed to the server.
  const { s, seen } = await run(
    { connections: 4, rate: 2000, durationMs: 1000 },
    () => ({ us: 60 }),
    new FakeClock(1000),
  );
  // 2,000 due in the second, plus the 2 due at 1,000.0 and 1,000.5 ms, sent up to 1 ms early.
  assert.equal(s.requests, 2002);
  assert.equal(pct(s.latency, 99), 60);
  assert.equal(s.latency.max, 60);
  // The i-th unit (due at i x 500 µs) leaves at most 1 ms early and never late.
  for (const [i, r] of seen.entries())
    assert.ok(r.at <= i * 500 && r.at >= i * 500 - 1000, `unit ${i} sent at ${r.at}`);
});

test('browser mode: page then its same-origin assets over parallel connections; page load measured', async () => {
  const html =
    '<html><link rel="stylesheet" href="/s.css"><script src="/a.js"></script>' +
    '<img src="/i.png"><img src="http://other.example/x.png"><img src="/i.png"></html>';
  const { s, seen } = await run({ page: true, count: 10 }, (r) =>
    r.target === '/x' ? { us: 2000, body: html } : { us: 500 },
  );
  assert.equal(s.pageViews, 10);
  assert.equal(s.requests, 40, 'page + 3 distinct same-origin assets, 10 times');
  assert.equal(pct(s.pageLoad, 50), 2500, 'assets in parallel: 2 ms + 0.5 ms');
  assert.equal(pct(s.classes.page!, 50), 2000);
  assert.equal(pct(s.classes.asset!, 50), 500);
  assert.ok(!seen.some((r) => r.target.includes('other.example')));
});

test('login per user: its Set-Cookie rides on every later request of that user only', async () => {
  const { s, seen } = await run({ connections: 3, count: 30, login: 'POST /login user={1..1000}' }, (r) =>
    r.target === '/login' ? { us: 100, status: 302, setCookie: [`sid=${r.body}; Path=/`] } : { us: 100 },
  );
  assert.equal(s.requests, 30);
  assert.deepEqual(s.logins, { ok: 3, failed: 0 });
  const logins = seen.filter((r) => r.target === '/login');
  assert.equal(logins.length, 3);
  for (const l of logins) {
    assert.match(l.body, /^user=\d+$/);
    const mine = seen.filter((r) => r.conn === l.conn && r.target === '/x');
    assert.ok(mine.length > 0);
    for (const r of mine) assert.equal(r.cookie, `sid=${l.body}`);
  }
});

test('a request never answered times out: exact count with a 1 s timeout in 5 s', async () => {
  const { s } = await run({ durationMs: 5000, timeoutMs: 1000 }, () => ({ us: 1e12 }));
  // Checked every 250 ms: failures at 1.25 s, 2.5 s and 3.75 s.
  assert.deepEqual(s.errors, { timeout: 3 });
  assert.equal(s.requests, 0);
});

test('errors by kind, status codes and Server-Timing means are counted exactly', async () => {
  let n = 0;
  const { s } = await run({ count: 100 }, () => {
    n += 1;
    if (n % 10 === 0) return { us: 100, error: 'reset' };
    return { us: 100, status: n % 2 === 0 ? 500 : 200, serverTiming: `db;dur=${n % 2 === 0 ? 2 : 4}, app` };
  });
  assert.equal(s.errors.reset, 10);
  assert.equal(s.requests, 90);
  assert.equal(s.statusCodes['200'], 50);
  assert.equal(s.statusCodes['500'], 40);
  assert.equal(s.serverTiming.db!.count, 90);
  assert.equal(s.serverTiming.db!.sumMs, 50 * 4 + 40 * 2);
  assert.equal(s.serverTiming.app!.count, 90);
});

test('Connection: close opens a new connection per request, without counting errors', async () => {
  const { s, opened } = await run({ count: 20 }, () => ({ us: 100, close: true }));
  assert.equal(s.requests, 20);
  assert.deepEqual(s.errors, {});
  assert.equal(opened, 20);
});

test('URL templates and list order: each user walks the list, ranges drawn per request', async () => {
  const { seen } = await run(
    { urls: ['http://127.0.0.1:1/u/{1..5}', 'http://127.0.0.1:1/static'], count: 40 },
    () => ({
      us: 10,
    }),
  );
  assert.equal(seen.filter((r) => r.target === '/static').length, 20);
  const ids = seen.filter((r) => r.target.startsWith('/u/')).map((r) => Number(r.target.slice(3)));
  assert.ok(ids.every((i) => i >= 1 && i <= 5));
  assert.ok(new Set(ids).size > 1);
});

test('stale keep-alive: a request lost unanswered on a reused connection is sent again, timed from its due time', async () => {
  // Every connection answers one request, then drops the next one unanswered.
  const perConn = new Map<number, number>();
  const { s, seen, opened } = await run({ count: 10 }, (r) => {
    const n = (perConn.get(r.conn) ?? 0) + 1;
    perConn.set(r.conn, n);
    return n === 2 ? { us: 50, drop: true } : { us: 100 };
  });
  assert.equal(s.requests, 10);
  assert.deepEqual(s.errors, {});
  assert.equal(s.retriedOnStaleConnection, 9, 'every request after the first was lost once');
  assert.equal(opened, 10);
  assert.equal(seen.length, 19);
  // The lost attempt's 50 µs is part of what the user waited: 50 + 100.
  assert.equal(pct(s.latency, 50), 150);
});

test('stale keep-alive: the first request of a new connection is never retried (nothing was reused)', async () => {
  const { s } = await run({ count: 5 }, () => ({ us: 10, drop: true }));
  assert.equal(s.retriedOnStaleConnection, 0);
  assert.equal(s.errors.closed, 5);
});

test('browser mode: stylesheets bring their url()s and @imports, fetched once per view, in parallel', async () => {
  const html =
    '<html><head><link rel="preload" href="/css/site.css" as="style"><link rel="stylesheet" href="/css/site.css">' +
    '<link rel="modulepreload" href="/m.js"><link rel="icon" href="/favicon.png"><link rel="prefetch" href="/next">' +
    '<style>.hero{background:url(/img/hero.jpg)}</style></head><body><img src="/img/hero.jpg"></body></html>';
  const css =
    '@import "more.css"; /* url(/commented.png) */ @font-face{src:url("../fonts/a.woff2") format("woff2")}' +
    ' .x{background:url(data:image/png;base64,AA)} .y{background:url(/img/bg.png)} .z{filter:url(#f)}';
  const { s, seen } = await run({ page: true, count: 2 }, (r) => {
    if (r.target === '/x') return { us: 1000, body: html };
    if (r.target === '/css/site.css') return { us: 300, body: css };
    if (r.target === '/css/more.css')
      return { us: 300, body: '.w{background:url(/img/bg.png) , url(w.gif)}' };
    return { us: 200 };
  });
  const view = seen.slice(0, seen.length / 2).map((r) => r.target);
  assert.deepEqual(view, [
    '/x',
    '/css/site.css',
    '/m.js',
    '/favicon.png',
    '/img/hero.jpg',
    '/css/more.css',
    '/fonts/a.woff2',
    '/img/bg.png',
    '/css/w.gif',
  ]);
  assert.equal(s.pageViews, 2);
  assert.equal(s.requests, 18);
  // HTML 1 ms; site.css 0.3 ms; then its three references in parallel, more.css (0.3 ms) and
  // then its w.gif (0.2 ms) the longest chain: 1 + 0.3 + 0.3 + 0.2 ms.
  assert.equal(pct(s.pageLoad, 50), 1800);
});

test('https origins: each virtual user keeps one TLS session slot per origin for all its connections', async () => {
  const clock = new FakeClock();
  const fake = fakeTransport(clock, () => ({ us: 100, close: true }));
  const opts = resolveOptions({ urls: ['https://127.0.0.1:1/x'], connections: 2, threads: 1 });
  const engine = runEngine({ opts, users: 2, seed: 1, count: 6 }, clock, fake.transport);
  clock.run();
  await engine.done;
  assert.equal(fake.tlsSlots.length, 6, 'Connection: close: one connection per request');
  const slots = new Set(fake.tlsSlots);
  assert.equal(slots.size, 2, 'one slot per virtual user, shared by its connections');
  assert.ok(fake.tlsSlots.every((x) => x !== undefined));
  const plain = fakeTransport(clock, () => ({ us: 100 }));
  const o2 = resolveOptions({ urls: ['http://127.0.0.1:1/x'], connections: 1, threads: 1 });
  const e2 = runEngine({ opts: o2, users: 1, seed: 1, count: 2 }, clock, plain.transport);
  clock.run();
  await e2.done;
  assert.deepEqual(plain.tlsSlots, [undefined], 'no TLS slot for http://');
});
