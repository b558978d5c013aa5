/**
 * The prime after a start: closed-loop rounds until the page-view rate stops climbing. Recorded
 * figures (a 0.08-core app host right after a start, bench/README.md) and a fake bench: no sockets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchOptions } from '../../../src/bench/index.js';
import { DEFAULT_PRIME, DEFAULT_PROBE, prime, primeSettled } from '../../../src/capacity/probe.js';
import type { RunningTarget } from '../../../src/capacity/target.js';
import { fakeBench } from './fakes.js';

// 1 s closed-loop rounds of 8 users on a fresh 0.08-core app host (lab e08, 2026-12-03).
const COLD_HOST = [13, 10, 17, 21, 31, 53, 66, 73, 113, 95, 133, 145, 125, 123, 140];

test('settled only when no round of the last 3 beats the best before them by more than 10 %', () => {
  const p = { patience: 3, growth: 0.1 };
  assert.equal(primeSettled([], p), false);
  assert.equal(primeSettled([140, 145, 150], p), false, 'needs a round before the last 3');
  assert.equal(primeSettled([140, 145, 150, 148], p), true, 'a warm stack: 4 rounds');
  assert.equal(primeSettled([140, 154, 100, 100], p), true, '154 is exactly 10 % above 140');
  assert.equal(primeSettled([140, 155, 100, 100], p), false);
  // The old rule ("two rounds agree") stopped a cold host at 6, 7/s; this one waits.
  assert.equal(primeSettled([6, 7], p), false);
  const firstSettled = COLD_HOST.findIndex((_, i) => primeSettled(COLD_HOST.slice(0, i + 1), p));
  // Round 14: 145, 125, 123 against the best before them, 133: 145 is within 10 %.
  assert.equal(firstSettled + 1, 14, 'the recorded cold host settles after its 14th round');
});

function fakeRunning(size: number): RunningTarget {
  return {
    size,
    url: 'http://fleet',
    cpu: () => ({ window: () => undefined, stop: () => {} }),
    stop: async () => {},
  };
}

function rounds(rates: readonly number[]) {
  const runs: BenchOptions[] = [];
  const runBench = async (o: BenchOptions) => {
    const rate = rates[Math.min(runs.length, rates.length - 1)]!;
    runs.push(o);
    return fakeBench({ rate, durationS: 1, loads: [[20_000, rate]] });
  };
  return { runs, runBench };
}

test('a cold host is primed until warm: 14 rounds, each a 1 s closed loop, its own seed', async () => {
  const { runs, runBench } = rounds(COLD_HOST);
  const lines: string[] = [];
  const out = await prime(fakeRunning(2), 500, DEFAULT_PROBE, {
    runBench,
    wallNow: () => 0,
    log: (l) => lines.push(l),
  });
  // 1,018 page views by then: past the 500 per app host it needs as well.
  assert.deepEqual(out, { rates: COLD_HOST.slice(0, 14), pageViews: 1018, settled: true });
  assert.equal(runs.length, 14);
  for (const [i, r] of runs.entries()) {
    assert.equal(r.rate, undefined, 'closed loop');
    assert.equal(r.durationMs, 1000);
    assert.equal(r.connections, 16, '8 per app host');
    assert.equal(r.seed, DEFAULT_PROBE.seed + 1 + i);
    assert.equal(r.page, true);
    assert.equal(r.urls[0], 'http://fleet/users/{1..500}');
  }
  assert.deepEqual(lines, ['primed: 14 closed-loop rounds of 1 s, 1018 page views, 13 → 123 page views/s']);
});

test('slow and flat is not warm: a cold fleet at 4, 3, 3, 3/s is primed until 500 page views per app host', async () => {
  // Recorded (lab e08, size 1, memcached still empty): 4, 3, 3, 3 page views/s, then the first
  // probe at 50/s delivered nothing. Here the stack warms after 20 rounds to 60/s.
  const flatThenWarm = [
    4,
    3,
    3,
    3,
    ...Array.from({ length: 16 }, (_, i) => 5 + i * 3),
    60,
    60,
    60,
    60,
    60,
    60,
    60,
  ];
  const { runs, runBench } = rounds(flatThenWarm);
  const out = await prime(fakeRunning(1), 500, DEFAULT_PROBE, { runBench, wallNow: () => 0 });
  assert.equal(primeSettled([4, 3, 3, 3], DEFAULT_PRIME), true, 'the rate alone would have stopped here');
  assert.equal(out.settled, true);
  assert.ok(out.pageViews >= 500);
  assert.deepEqual(out.rates.slice(-4), [60, 60, 60, 60]);
  assert.equal(runs.length, 24);
});

test('a stack that keeps climbing is probed after maxRounds, and the log says so', async () => {
  const climbing = Array.from({ length: 40 }, (_, i) => 10 * 1.2 ** i);
  const { runs, runBench } = rounds(climbing);
  const lines: string[] = [];
  const out = await prime(
    fakeRunning(1),
    10,
    DEFAULT_PROBE,
    { runBench, wallNow: () => 0, log: (l) => lines.push(l) },
    {
      ...DEFAULT_PRIME,
      maxRounds: 5,
    },
  );
  assert.equal(out.settled, false);
  assert.equal(runs.length, 5);
  assert.equal(runs[0]!.connections, 8);
  assert.match(
    lines[0]!,
    /^primed: 5 closed-loop rounds of 1 s, \d+ page views, 10 → 20\.7 page views\/s \(still climbing after 5 rounds: probing anyway\)$/,
  );
});

test('an aborted run stops priming between rounds', async () => {
  const ac = new AbortController();
  const { runs, runBench } = rounds([10, 20, 30, 40, 50, 60]);
  const out = await prime(fakeRunning(1), 10, DEFAULT_PROBE, {
    runBench: async (o) => {
      if (runs.length === 1) ac.abort();
      return runBench(o);
    },
    wallNow: () => 0,
    signal: ac.signal,
  });
  assert.deepEqual(out.rates, [10, 20]);
  assert.equal(out.settled, false);
});
