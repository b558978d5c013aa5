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

test('a step function: doubling from 50/s, each failure confirmed once, then bisection until within 10 %', async () => {
  const { out, rates, lines } = await search((r) => (r <= 437 ? 'pass' : 'fail'));
  assert.deepEqual(rates, [50, 100, 200, 400, 800, 800, 600, 600, 500, 500, 450, 450, 425]);
  assert.deepEqual(
    out.probes.map((p) => p.phase),
    [
      'ramp',
      'ramp',
      'ramp',
      'ramp',
      'ramp',
      'confirm',
      'bisect',
      'confirm',
      'bisect',
      'confirm',
      'bisect',
      'confirm',
      'bisect',
    ],
  );
  assert.equal(out.sustainableRate, 425);
  assert.equal(out.upperRate, 450);
  assert.equal(out.upperReason, 'slo');
  assert.equal(out.converged, true);
  assert.equal(out.stoppedBy, 'tolerance');
  assert.equal(out.confirmations, 4);
  // 13 probes × 6 s of fake time, confirmations included.
  assert.equal(out.elapsedS, 78);
  assert.equal(lines.length, 13);
  assert.equal(
    lines[4],
    'size 1: probe 5/16 ramp 800/s for 5.0 s: fail — 640/s done, p99 900.0 ms, errors 0 % (load.p99<200ms: measured 900 ms) [6.0 s]',
  );
  assert.match(lines[5]!, /^size 1: probe 6\/16 confirm 800\/s for 5\.0 s: fail/);
  assert.match(lines[0]!, /^size 1: probe 1\/16 ramp 50\/s for 5\.0 s: pass — 50\/s done/);
});

test('one flake (a latency spike at 400/s): its confirmation passes, so it does not bound the search', async () => {
  const { out, rates } = await search((r, nth) => (nth === 4 ? 'fail' : r <= 437 ? 'pass' : 'fail'));
  // Without the confirmation this search stopped at 375/s, bounded by the flake (the old rule).
  assert.deepEqual(rates, [50, 100, 200, 400, 400, 800, 800, 600, 600, 500, 500, 450, 450, 425]);
  assert.equal(out.probes[3]!.verdict, 'fail');
  assert.equal(out.probes[4]!.phase, 'confirm');
  assert.equal(out.probes[4]!.verdict, 'pass');
  assert.equal(out.sustainableRate, 425);
  assert.equal(out.upperRate, 450);
  assert.equal(out.confirmations, 5);
  assert.equal(out.converged, true);
});

test('the first probe after a start spiking (the 0.48 of bench/README.md) reads the same rate as a quiet run', async () => {
  const quiet = await search((r) => (r <= 88 ? 'pass' : 'fail'), { startRate: 41 });
  const spiky = await search((r, nth) => (nth === 1 ? 'fail' : r <= 88 ? 'pass' : 'fail'), { startRate: 41 });
  assert.deepEqual(spiky.rates.slice(0, 2), [41, 41]);
  assert.equal(quiet.out.sustainableRate, 88);
  assert.equal(spiky.out.sustainableRate, quiet.out.sustainableRate);
  assert.equal(spiky.out.probes.length, quiet.out.probes.length + 1);
});

test('a rate fails only if 2 of 2 fail: 600/s failing once, then passing on confirmation, is a pass', async () => {
  // 800/s fails, its confirmation fails: bounded. 600/s fails once, then passes on confirmation.
  const { out, rates } = await search((r, nth) =>
    r === 600 && nth === 7 ? 'fail' : r <= 650 ? 'pass' : 'fail',
  );
  assert.deepEqual(rates.slice(0, 9), [50, 100, 200, 400, 800, 800, 600, 600, 700]);
  assert.equal(out.probes[7]!.verdict, 'pass');
  assert.ok(out.sustainableRate >= 600);
  assert.ok(out.upperRate! <= 700);
});

test('a generator-bound probe does not count as the stack failing: it caps the bracket and says why', async () => {
  const { out, rates } = await search((r) => (r <= 330 ? 'pass' : 'inconclusive'));
  assert.deepEqual(rates, [50, 100, 200, 400, 400, 300, 350, 350, 325]);
  assert.equal(out.sustainableRate, 325);
  assert.equal(out.upperRate, 350);
  assert.equal(out.upperReason, 'generator');
  assert.equal(out.probes[3]!.verdict, 'inconclusive');
});

test('one clean failure of the two at a rate blames the stack, not the generator', async () => {
  const { out } = await search((r, nth) => (r <= 330 ? 'pass' : nth % 2 === 0 ? 'fail' : 'inconclusive'), {
    maxProbes: 5,
  });
  assert.deepEqual(
    out.probes.map((p) => [p.offeredRate, p.verdict]),
    [
      [50, 'pass'],
      [100, 'pass'],
      [200, 'pass'],
      [400, 'fail'],
      [400, 'inconclusive'],
    ],
  );
  assert.equal(out.upperRate, 400);
  assert.equal(out.upperReason, 'slo');
});

test('a start rate above capacity halves until a probe passes, then bisects', async () => {
  const { out, rates } = await search((r) => (r <= 30 ? 'pass' : 'fail'));
  assert.deepEqual(rates, [50, 50, 25, 38, 38, 32, 32, 29, 31, 31]);
  assert.equal(out.sustainableRate, 29);
  assert.equal(out.upperRate, 31);
  assert.equal(out.converged, true);
});

test('nothing passes: halving down to the minimum rate, each rate confirmed, then it says so', async () => {
  const { out, rates } = await search(() => 'fail');
  assert.deepEqual(rates, [50, 50, 25, 25, 13, 13, 7, 7, 4, 4, 2, 2, 1, 1]);
  assert.equal(out.sustainableRate, 0);
  assert.equal(out.stoppedBy, 'min-rate');
  assert.equal(out.converged, false);
});

test('the last probe of the budget fails: no probe left to confirm it, so it bounds the bracket unconfirmed', async () => {
  const { out, rates } = await search((r) => (r <= 300 ? 'pass' : 'fail'), { maxProbes: 4 });
  assert.deepEqual(rates, [50, 100, 200, 400]);
  assert.equal(out.upperRate, 400);
  assert.equal(out.confirmations, 0);
  assert.equal(out.stoppedBy, 'probe-budget');
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
  assert.deepEqual(rates, [2, 4, 4, 3]);
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

test('interrupted while a failure awaits its confirmation: the failure bounds the bracket unconfirmed', async () => {
  const ac = new AbortController();
  const { out, rates } = await search(
    (r, nth) => {
      if (nth === 6) ac.abort();
      return r <= 300 ? 'pass' : 'fail';
    },
    {},
    ac.signal,
  );
  assert.deepEqual(rates, [50, 100, 200, 400, 400, 300]);
  assert.equal(out.stoppedBy, 'interrupted');
  assert.equal(out.upperRate, 400);
});
