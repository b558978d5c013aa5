import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_SEARCH,
  type Probe,
  type SearchParams,
  searchSustainable,
} from '../../../src/capacity/search.js';
import type { ProbeRecord } from '../../../src/report/capacity-types.js';
import { FakeMs, probeResult } from './fakes.js';

/** Runs a search on a fake probe that takes 6 s of fake time each; returns its outcome, the rates probed and the log. */
async function search(
  verdict: (rate: number, nth: number) => ProbeRecord['verdict'],
  params: Partial<SearchParams> = {},
  signal?: AbortSignal,
) {
  const clock = new FakeMs();
  const rates: number[] = [];
  const lines: string[] = [];
  const probe: Probe = async (rate) => {
    rates.push(rate);
    clock.advance(6000);
    return probeResult(rate, verdict(rate, rates.length));
  };
  const out = await searchSustainable(
    probe,
    { ...DEFAULT_SEARCH, ...params },
    {
      now: clock.now,
      log: (l) => lines.push(l),
      label: 'size 1',
      ...(signal ? { signal } : {}),
    },
  );
  return { out, rates, lines };
}

test('a step function: doubling from 50/s, then bisection until the bracket is within 10 %', async () => {
  const { out, rates, lines } = await search((r) => (r <= 437 ? 'pass' : 'fail'));
  assert.deepEqual(rates, [50, 100, 200, 400, 800, 600, 500, 450, 425]);
  assert.deepEqual(
    out.probes.map((p) => p.phase),
    ['ramp', 'ramp', 'ramp', 'ramp', 'ramp', 'bisect', 'bisect', 'bisect', 'bisect'],
  );
  assert.equal(out.sustainableRate, 425);
  assert.equal(out.upperRate, 450);
  assert.equal(out.upperReason, 'slo');
  assert.equal(out.converged, true);
  assert.equal(out.stoppedBy, 'tolerance');
  // 9 probes × 6 s of fake time.
  assert.equal(out.elapsedS, 54);
  assert.equal(lines.length, 9);
  assert.equal(
    lines[4],
    'size 1: probe 5/12 ramp 800/s for 5.0 s: fail — 640/s done, p99 900.0 ms, errors 0 % (load.p99<200ms: measured 900 ms) [6.0 s]',
  );
  assert.match(lines[0]!, /^size 1: probe 1\/12 ramp 50\/s for 5\.0 s: pass — 50\/s done/);
});

test('a noisy stack (one flake at 400/s): still bounded and within the tolerance of where it flaked', async () => {
  const { out, rates } = await search((r, nth) => (nth === 4 ? 'fail' : r <= 437 ? 'pass' : 'fail'));
  assert.deepEqual(rates, [50, 100, 200, 400, 300, 350, 375]);
  assert.equal(out.sustainableRate, 375);
  assert.equal(out.upperRate, 400);
  assert.equal(out.converged, true);
  // A pass above the bracket's top is never probed: the flake caps the answer, within 10 % of it.
  assert.ok(out.upperRate! - out.sustainableRate <= 0.1 * out.sustainableRate);
});

test('a generator-bound probe does not count as the stack failing: it caps the bracket and says why', async () => {
  const { out, rates } = await search((r) => (r <= 330 ? 'pass' : 'inconclusive'));
  assert.deepEqual(rates, [50, 100, 200, 400, 300, 350, 325]);
  assert.equal(out.sustainableRate, 325);
  assert.equal(out.upperRate, 350);
  assert.equal(out.upperReason, 'generator');
  assert.equal(out.probes[3]!.verdict, 'inconclusive');
});

test('a start rate above capacity halves until a probe passes, then bisects', async () => {
  const { out, rates } = await search((r) => (r <= 30 ? 'pass' : 'fail'));
  assert.deepEqual(rates, [50, 25, 38, 32, 29, 31]);
  assert.equal(out.sustainableRate, 29);
  assert.equal(out.upperRate, 31);
  assert.equal(out.converged, true);
});

test('nothing passes: halving down to the minimum rate, then it says so', async () => {
  const { out, rates } = await search(() => 'fail');
  assert.deepEqual(rates, [50, 25, 13, 7, 4, 2, 1]);
  assert.equal(out.sustainableRate, 0);
  assert.equal(out.stoppedBy, 'min-rate');
  assert.equal(out.converged, false);
});

test('bounded: the probe budget and the maximum rate end a search that has not converged', async () => {
  const budget = await search(() => 'pass', { maxProbes: 3 });
  assert.deepEqual(budget.rates, [50, 100, 200]);
  assert.equal(budget.out.stoppedBy, 'probe-budget');
  assert.equal(budget.out.upperRate, null);
  assert.equal(budget.out.converged, false);
  const capped = await search(() => 'pass', { maxRate: 150 });
  assert.deepEqual(capped.rates, [50, 100, 150]);
  assert.equal(capped.out.stoppedBy, 'max-rate');
});

test('bisection stops when whole page views per second cannot split the bracket', async () => {
  const { out, rates } = await search((r) => (r <= 3 ? 'pass' : 'fail'), { startRate: 2, tolerance: 0.01 });
  assert.deepEqual(rates, [2, 4, 3]);
  assert.equal(out.sustainableRate, 3);
  assert.equal(out.upperRate, 4);
  assert.equal(out.stoppedBy, 'tolerance');
});

test('an aborted search keeps what it measured; the probe Ctrl-C cut short does not count', async () => {
  const ac = new AbortController();
  const { out, rates } = await search(
    (r, nth) => {
      if (nth === 2) ac.abort();
      return r <= 437 ? 'pass' : 'fail';
    },
    {},
    ac.signal,
  );
  assert.deepEqual(rates, [50, 100]);
  assert.equal(out.stoppedBy, 'interrupted');
  assert.deepEqual(
    out.probes.map((p) => p.offeredRate),
    [50],
  );
  assert.equal(out.sustainableRate, 50);
});
