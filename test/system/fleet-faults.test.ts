import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BenchResult } from '../../src/bench/index.js';
import { hostLinkArgv } from '../../src/lab/net-argv.js';
import { startDetached } from '../../src/remote/detached.js';
import { runLocal } from '../../src/remote/run-local.js';
import { FLEET_UPSTREAM_TUNING } from '../../src/stages/fleet/lb-conf.js';
import { login, request, requestUntilHit, staticLinks } from '../helpers/stage-fixture.js';
import { accessLog, bench, type FleetLab, fleetLab, sleep } from './fleet-lab.js';

// Faults across hosts, each under open-loop load from `bench` (page views: the page and its
// files) against the lb, each printing what it measured. One lab of its own, 7 hosts.
const lab = fleetLab({ accessLog: true });
const RATE = '20'; // page views/s: well under what 2 app hosts of 0.25 core serve
let runs = 0;

/** bench --rate RATE for `seconds`, started now; `during` runs after `at` ms. */
async function underLoad<T>(
  l: FleetLab,
  seconds: number,
  at: number,
  during: () => Promise<T>,
): Promise<{ r: BenchResult; got: T }> {
  const file = join(l.dir, `bench-${++runs}.json`);
  const run = bench(l, ['--rate', RATE, '-c', '8', '-t', '1', '-d', `${seconds}s`], file);
  await sleep(at);
  const got = await during();
  return { r: await run, got };
}

const failed = (r: BenchResult) =>
  r.totals.errors + Object.entries(r.statusCodes).reduce((n, [s, c]) => n + (Number(s) >= 400 ? c : 0), 0);
const summary = (r: BenchResult) =>
  `${r.totals.pageViews} page views (${r.rates.pageViewsPerS}/s), ${r.totals.requests} requests, failed ${failed(r)} ` +
  `(errors ${JSON.stringify(r.errors)}, statuses ${JSON.stringify(r.statusCodes)}), p99 ${ms(r.latency.p99)}, max ${ms(r.latency.max)}`;
const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;

test('cache hosts down: static files are still served, from the app; 0 failed requests', {
  timeout: 120_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const { fleet } = l;
  const css = staticLinks((await request(fleet.url, '/')).body).find((u) => u.endsWith('.css'))!;
  const original = await requestUntilHit(fleet.url, css);
  assert.equal(original.headers.get('x-cache'), 'HIT');
  try {
    const { r, got } = await underLoad(l, 4, 1000, async () => {
      await Promise.all(['cache1', 'cache2'].map((h) => fleet.host(h).ctl('stop', 'memcached')));
      await sleep(300);
      return request(fleet.url, css);
    });
    t.diagnostic(`both cache hosts stopped 1 s into the run: ${summary(r)}`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('x-cache'), 'MISS', 'from the app');
    assert.equal(got.body, original.body);
    assert.equal(failed(r), 0);
  } finally {
    await Promise.all(['cache1', 'cache2'].map((h) => fleet.host(h).ctl('start', 'memcached')));
  }
});

test('sessions host down: pages render logged out, logging in is a clear 503; back with Redis', {
  timeout: 120_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const { fleet } = l;
  const { cookie } = await login(fleet.url, 7);
  assert.match((await request(fleet.url, '/users/2', { cookie })).body, /data-user-id="7"/);
  try {
    const { r, got } = await underLoad(l, 4, 1000, async () => {
      await fleet.host('sessions').ctl('stop', 'redis');
      const page = await request(fleet.url, '/users/2', { cookie });
      const denied = await request(fleet.url, '/login', { method: 'POST', body: 'user=8' });
      return { page, denied };
    });
    t.diagnostic(`Redis stopped 1 s into the run: ${summary(r)}`);
    assert.equal(got.page.status, 200);
    assert.doesNotMatch(got.page.body, /data-user-id="7"/, 'logged out');
    assert.equal(got.page.headers.get('x-session-store'), 'unavailable');
    assert.equal(got.denied.status, 503);
    assert.equal(got.denied.headers.get('retry-after'), '5');
    assert.equal(failed(r), 0, 'page views of logged-in users render, logged out');
  } finally {
    await fleet.host('sessions').ctl('start', 'redis');
  }
  // Redis is back (empty: it keeps nothing on disk): logging in works again.
  let again = await request(fleet.url, '/login', { method: 'POST', body: 'user=9' });
  for (let i = 0; i < 20 && again.status !== 303; i++) {
    await sleep(100);
    again = await request(fleet.url, '/login', { method: 'POST', body: 'user=9' });
  }
  assert.equal(again.status, 303);
});

test('db host down: dynamic pages 503 with Retry-After, static files 200, recovery by itself', {
  timeout: 120_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const { fleet } = l;
  const appPids = () =>
    fleet
      .processes()
      .filter((p) => /^app\d\/app-\d$/.test(p.role))
      .map((p) => `${p.role}:${p.pid}`)
      .sort();
  const before = appPids();
  const thumb = '/static/thumbs/t0042.png';
  let downAt = 0;
  let upAt = 0;
  const { r, got } = await underLoad(l, 6, 1000, async () => {
    await fleet.host('db').ctl('stop', 'postgres');
    downAt = performance.now();
    const page = await request(fleet.url, '/users/5');
    const file = await request(fleet.url, thumb);
    await sleep(1500);
    await fleet.host('db').ctl('start', 'postgres');
    upAt = performance.now();
    let back = await request(fleet.url, '/users/5');
    while (back.status !== 200 && performance.now() - upAt < 15_000) {
      await sleep(50);
      back = await request(fleet.url, '/users/5');
    }
    return { page, file, back, recoveredMs: performance.now() - upAt };
  });
  t.diagnostic(
    `PostgreSQL stopped ${((upAt - downAt) / 1000).toFixed(1)} s: pages answered ${got.page.status} (Retry-After ${got.page.headers.get('retry-after')}); ` +
      `back to 200 ${Math.round(got.recoveredMs)} ms after it accepted again; bench: ${summary(r)}`,
  );
  assert.equal(got.page.status, 503);
  assert.ok(Number(got.page.headers.get('retry-after')) > 0);
  assert.equal(got.file.status, 200, 'static files do not need the database');
  assert.equal(got.back.status, 200, 'recovered by itself');
  assert.ok(got.recoveredMs < 5000);
  assert.ok((r.statusCodes['503'] ?? 0) > 0, 'the outage was seen under load');
  assert.equal(r.totals.errors, 0, 'answers, never dropped connections');
  assert.deepEqual(appPids(), before, 'no app process was restarted');
});

test('a host at its CPU quota slows down, but nothing fails', { timeout: 120_000 }, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const { fleet } = l;
  const base = (await underLoad(l, 3, 0, async () => {})).r;
  const app1 = fleet.host('app1');
  // A busy loop inside app1's cgroup: it competes with the app process for the host's 0.25 core.
  const hog = await startDetached(app1.remote, ['sh', '-c', 'while :; do :; done'], '/tmp/fk-hog.log');
  try {
    const a = await fleet.hostCpu();
    const { r } = await underLoad(l, 3, 0, async () => {});
    const b = await fleet.hostCpu();
    const i = a.findIndex((x) => x.host === 'app1');
    const used = (b[i]!.usageUs - a[i]!.usageUs) / ((b[i]!.atMs - a[i]!.atMs) * 1000);
    const throttled = (b[i]!.throttledUs - a[i]!.throttledUs) / 1000;
    t.diagnostic(
      `app1 busy: ${used.toFixed(3)} of its ${b[i]!.quota} core, throttled ${Math.round(throttled)} ms; ` +
        `p99 ${ms(base.latency.p99)} → ${ms(r.latency.p99)} (max ${ms(base.latency.max)} → ${ms(r.latency.max)}); ${summary(r)}`,
    );
    assert.ok(used > 0.2, `app1 at its quota: ${used}`);
    assert.ok(throttled > 0);
    assert.equal(failed(r), 0);
    assert.equal(failed(base), 0);
  } finally {
    await app1.remote.exec(['kill', String(hog)]);
  }
});

test('an app host dies (every process in its cgroup killed): 0 failed GETs, nginx routes around it', {
  timeout: 120_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const { fleet } = l;
  const host = l.hosts.find((h) => h.name === 'app1')!;
  let killed: string[] = [];
  const { r } = await underLoad(l, 5, 1500, async () => {
    // Everything but sshd (the lab's way in, to start it again afterwards): supervisord too, so
    // nothing restarts the app process.
    const pids = readFileSync(host.lab!.cgroupProcs[0]!, 'utf8').trim().split('\n').map(Number);
    for (const pid of pids) {
      let comm = '';
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      if (comm === 'sshd') continue;
      process.kill(pid, 'SIGKILL');
      killed.push(comm);
    }
  });
  t.diagnostic(`app1 killed 1.5 s into the run (${killed.join(', ')}): ${summary(r)}`);
  killed = killed.sort();
  assert.ok(
    killed.includes('node') && killed.some((c) => c.startsWith('supervisord') || c === 'python3'),
    killed.join(),
  );
  assert.equal(failed(r), 0, 'every GET answered 200');
  // Started again the way the fleet starts a host; nginx takes it back after fail_timeout.
  await fleet.restartHost('app1');
  const served = new Set<string>();
  for (let i = 0; i < 80 && served.size < 2; i++) {
    served.add((await request(fleet.url, `/users/${1 + (i % 9)}`)).headers.get('x-served-by') ?? '');
    await sleep(100);
  }
  assert.equal(served.size, 2, 'both app hosts serve again');
});

test('the link between the lb and an app host is cut: GETs fail over within the timeouts; a POST once sent is never retried', {
  timeout: 120_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const { fleet } = l;
  const app1 = l.hosts.find((h) => h.name === 'app1')!;
  const app1Server = fleet.plan.appServers.find((s) => s.startsWith(`${app1.address}:`))!;
  const link = (state: 'up' | 'down') => runLocal(hostLinkArgv(app1.lab!.netns, state), { timeoutMs: 5000 });
  const untilBothServe = async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100 && seen.size < 2; i++) {
      seen.add((await request(fleet.url, `/users/${1 + (i % 9)}`)).headers.get('x-served-by') ?? '');
      await sleep(50);
    }
    assert.equal(seen.size, 2, 'both app hosts answer');
  };
  await untilBothServe();

  // 1. Under load: cut 1 s into the run, restored after it. nginx's access log says, for every
  // request that tried app1 meanwhile, how long that attempt took and where it went next.
  let cutUnix = 0;
  try {
    // 8 s: a request caught on a kept-alive connection waits the 5 s read timeout, then app2
    // answers it; it must complete inside the run to be counted.
    const { r } = await underLoad(l, 8, 1000, async () => {
      cutUnix = Date.now() / 1000;
      await link('down');
    });
    const restoredUnix = Date.now() / 1000;
    await link('up');
    // Requests that started after the cut (those in flight before it finished normally).
    const tried = (await accessLog(l))
      .filter(
        (x) => x.at - x.requestTime >= cutUnix && x.at <= restoredUnix && x.upstreams.includes(app1Server),
      )
      .map((x) => {
        const i = x.upstreams.indexOf(app1Server);
        const took = x.upstreamTimes[i] ?? 0;
        return { start: x.at - x.requestTime - cutUnix, took, next: x.upstreams[i + 1], status: x.status };
      });
    const connect = tried.filter((x) => x.took < 1);
    const read = tried.filter((x) => x.took >= 1);
    // nginx rests a failed server for fail_timeout, then tries it again with one request.
    const firstWindow = tried.filter((x) => x.start < 4);
    const lastTry = Math.max(0, ...firstWindow.map((x) => x.start));
    const allDone = Math.max(0, ...firstWindow.map((x) => x.start + x.took));
    t.diagnostic(
      `link to app1 cut 1 s into the run: ${summary(r)}. ${tried.length} requests started after the cut tried app1: ` +
        `${connect.length} waited the connect timeout (${FLEET_UPSTREAM_TUNING.connectTimeout}: ${[...new Set(connect.map((x) => x.took))].join(', ')} s), ` +
        `${read.length} the read timeout (${FLEET_UPSTREAM_TUNING.readTimeout}: already sent on a kept-alive connection; ${[...new Set(read.map((x) => x.took))].join(', ')} s), ` +
        `each then answered by ${[...new Set(tried.map((x) => x.next))].join(', ')}; the last new request to app1 began ${lastTry.toFixed(2)} s ` +
        `after the cut, the last one caught by it was answered ${allDone.toFixed(2)} s after (then app1 rests ${FLEET_UPSTREAM_TUNING.appFailTimeout} between single tries)`,
    );
    assert.equal(failed(r), 0, 'every GET answered, retried on app2');
    assert.ok(tried.length > 0, 'nginx tried app1 and noticed');
    for (const x of tried) {
      assert.ok(x.next !== undefined && x.next !== app1Server, 'passed on to app2');
      assert.ok(x.took <= 5.1, `within the timeouts: ${x.took} s`);
      assert.equal(x.status, 200);
    }
    // Worst case: a request already sent on a kept-alive connection waits the read timeout.
    assert.ok(r.latency.max < 6_500_000, `max ${ms(r.latency.max)}`);
  } finally {
    await link('up');
  }

  // 2. A POST sent to a black-holed app host: one attempt, answered 504, not passed on.
  await untilBothServe(); // app1 is back in nginx's rotation, with kept-alive connections to it
  cutUnix = Date.now() / 1000;
  const posts: Array<{ status: number; ms: number }> = [];
  await link('down');
  try {
    for (let i = 0; i < 4 && !posts.some((p) => p.status === 504); i++) {
      const t0 = performance.now();
      const p = await request(fleet.url, '/login', { method: 'POST', body: `user=${20 + i}` });
      posts.push({ status: p.status, ms: performance.now() - t0 });
    }
  } finally {
    await link('up');
  }
  await sleep(200);
  const lines = (await accessLog(l)).filter(
    (x) => x.at >= cutUnix && x.method === 'POST' && x.uri === '/login',
  );
  t.diagnostic(
    `POST /login with app1 cut: ${posts.map((p) => `${p.status} in ${Math.round(p.ms)} ms`).join(', ')}; access log: ` +
      lines
        .map((x) => `${x.status} via ${x.upstreams.join(' then ')} (${x.upstreamTimes.join(', ')} s)`)
        .join('; '),
  );
  const sent = lines.find((x) => x.status === 504);
  assert.ok(sent, 'one POST went to app1 on a kept-alive connection');
  assert.deepEqual(sent.upstreams, [app1Server], 'one attempt: not passed to app2');
  assert.ok(sent.requestTime >= 4.5, `it waited the read timeout (${sent.requestTime} s)`);
  // Any other POST reached one app process, or was passed on only after a connect timeout (never sent).
  for (const x of lines)
    assert.ok(x.upstreams.length === 1 || (x.upstreamTimes[0] ?? 9) < 1, JSON.stringify(x));
});
