import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchResultCore, LatencySummary } from '../../../src/bench/api.js';
import {
  checkThresholds,
  checkThresholdsMedian,
  parseThresholds,
  runFailure,
} from '../../../src/bench/thresholds.js';

function lat(p99: number, count = 100): LatencySummary {
  return {
    count,
    min: 1,
    mean: p99 / 2,
    stdev: 1,
    p50: p99 / 4,
    p90: p99 / 2,
    p99,
    p999: p99 * 2,
    max: p99 * 3,
  };
}

function result(o: Partial<BenchResultCore> = {}): BenchResultCore {
  return {
    schemaVersion: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationS: 10,
    totals: { requests: 1000, pageViews: 0, bytes: 1, errors: 0, retriedOnStaleConnection: 0 },
    rates: { requestsPerS: 100, pageViewsPerS: 0, bytesPerS: 1 },
    latency: lat(40_000),
    classes: { url: { requests: 1000, latency: lat(40_000) } },
    statusCodes: { '200': 1000 },
    errors: {},
    serverTiming: {},
    generator: { threads: 1, cpuUserS: 1, cpuSystemS: 1, cpuPerRequestUs: 1, saturated: false, warnings: [] },
    ...o,
  };
}

test('parse: units, operators, classes; bare latency is ms and bare errors a count, as in k6', () => {
  const t = parseThresholds(
    ' p99<50ms, p999 <= 2s ,max<900us, mean<3, errors<0.1%, errors<=5, rate>1000, rate>=2/s, page.p90<1ms, load.p99.9<1s',
  );
  assert.deepEqual(
    t.map((x) => [x.cls, x.stat, x.op, x.limit, x.unit]),
    [
      [undefined, 'p99', '<', 50_000, 'us'],
      [undefined, 'p999', '<=', 2_000_000, 'us'],
      [undefined, 'max', '<', 900, 'us'],
      [undefined, 'mean', '<', 3000, 'us'],
      [undefined, 'errors', '<', 0.1, '%'],
      [undefined, 'errors', '<=', 5, 'count'],
      [undefined, 'rate', '>', 1000, '/s'],
      [undefined, 'rate', '>=', 2, '/s'],
      ['page', 'p90', '<', 1000, 'us'],
      ['load', 'p999', '<', 1_000_000, 'us'],
    ],
  );
  assert.equal(t[1]!.text, 'p999<=2s');
});

test('parse: every malformed check is reported at once, with its reason', () => {
  assert.throws(
    () => parseThresholds('p98<1ms,p99<5parsecs,errors<1ms,rate>5%,foo.p99<1s,p99=5ms,page.errors<1%'),
    (e: Error & { code: string }) =>
      e.code === 'E_BAD_THRESHOLD' &&
      /unknown metric 'p98'/.test(e.message) &&
      /latency takes us, ms or s, not 'parsecs'/.test(e.message) &&
      /errors takes % or a count/.test(e.message) &&
      /rate takes a number per second/.test(e.message) &&
      /unknown class 'foo'/.test(e.message) &&
      /'p99=5ms' is not METRIC<VALUE/.test(e.message) &&
      /errors is checked for the whole run/.test(e.message),
  );
  assert.throws(() => parseThresholds(' , '), { code: 'E_BAD_THRESHOLD' });
});

test('check: latency, errors (transport + status >= 400, as % of requests sent or a count), rate', () => {
  const r = result({
    totals: { requests: 990, pageViews: 0, bytes: 1, errors: 10, retriedOnStaleConnection: 7 },
    statusCodes: { '200': 975, '302': 5, '404': 4, '503': 6 },
  });
  const got = checkThresholds(
    r,
    parseThresholds('p99<50ms,p99<40ms,p99<=40ms,errors<2%,errors<2.1%,errors<=20,rate>=100,rate>100'),
  );
  assert.deepEqual(
    got.map((x) => [x.threshold, x.ok, x.actual]),
    [
      ['p99<50ms', true, 40_000],
      ['p99<40ms', false, 40_000],
      ['p99<=40ms', true, 40_000],
      ['errors<2%', false, 2],
      ['errors<2.1%', true, 2],
      ['errors<=20', true, 20],
      ['rate>=100', true, 100],
      ['rate>100', false, 100],
    ],
  );
});

test('check: with --page the rate is page views/s; classes and page load are looked up, missing ones fail', () => {
  const r = result({
    totals: { requests: 1000, pageViews: 50, bytes: 1, errors: 0, retriedOnStaleConnection: 0 },
    rates: { requestsPerS: 100, pageViewsPerS: 5, bytesPerS: 1 },
    pageLoad: lat(300_000),
    classes: { page: { requests: 50, latency: lat(20_000) }, asset: { requests: 950, latency: lat(2000) } },
  });
  const got = checkThresholds(
    r,
    parseThresholds('rate>4,page.p99<25ms,asset.p99<1ms,load.p99<1s,url.p99<1s'),
  );
  assert.deepEqual(
    got.map((x) => [x.ok, x.actual]),
    [
      [true, 5],
      [true, 20_000],
      [false, 2000],
      [true, 300_000],
      [false, null],
    ],
  );
});

test('--repeat: each check looks at the median of the runs (one outlier neither passes nor fails it)', () => {
  const runs = [10_000, 90_000, 12_000].map((p99) => result({ latency: lat(p99) }));
  const [c] = checkThresholdsMedian(runs, parseThresholds('p99<20ms'));
  assert.deepEqual([c!.ok, c!.actual], [true, 12_000]);
  const even = [10_000, 30_000].map((p99) => result({ latency: lat(p99) }));
  assert.equal(checkThresholdsMedian(even, parseThresholds('p99<20ms'))[0]!.actual, 20_000);
});

test('runFailure: nothing completed, every request failed, or no page view: the run measured nothing', () => {
  assert.equal(runFailure(result()), null);
  const none = result({
    totals: { requests: 0, pageViews: 0, bytes: 0, errors: 0, retriedOnStaleConnection: 0 },
    statusCodes: {},
  });
  assert.match(runFailure(none)!, /no request completed/);
  const refused = result({
    totals: { requests: 0, pageViews: 0, bytes: 0, errors: 12, retriedOnStaleConnection: 0 },
    statusCodes: {},
  });
  assert.match(runFailure(refused)!, /every request failed \(12 of 12\)/);
  const all500 = result({ statusCodes: { '500': 1000 } });
  assert.match(runFailure(all500)!, /every request failed \(1000 of 1000\)/);
  const noViews = result({ pageLoad: lat(0, 0) });
  assert.match(runFailure(noViews)!, /no page view completed/);
});
