import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goodputKept } from '../../../src/capacity/overload.js';
import { virtualUsersFor } from '../../../src/capacity/probe.js';
import { doublingSizes } from '../../../src/capacity/scale-out.js';
import { modelRun } from './fakes.js';

test('sizes double up to the largest: 1, 2, 4, 8 (and the largest itself when it is not a power of two)', () => {
  assert.deepEqual(doublingSizes(8), [1, 2, 4, 8]);
  assert.deepEqual(doublingSizes(6), [1, 2, 4, 6]);
  assert.deepEqual(doublingSizes(1), [1]);
});

test("the scale-out curve: exact probes per size, each size starting from the last one's rate; it stops where the lb saturates", async () => {
  const { report, model } = await modelRun({ protect: true });
  const rates = report.scaleOut.map((p) => p.search.probes.map((x) => x.offeredRate));
  assert.deepEqual(rates, [
    // Every failing rate probed twice (search.ts: a rate fails only if 2 of 2 do).
    [50, 100, 200, 400, 400, 300, 350, 350, 325, 325],
    [300, 600, 1200, 1200, 900, 900, 750, 750, 675, 675, 638, 638],
  ]);
  assert.deepEqual(
    report.scaleOut.map((p) => [p.size, p.search.sustainableRate, p.ideal, p.efficiency, p.saturated]),
    [
      [1, 300, 300, null, []],
      [2, 600, 600, 1, ['lb']],
    ],
  );
  assert.equal(
    report.stopReason,
    "lb host 'lb' (1 core) saturated at 600/s with 2 app hosts: a larger size shares it",
  );
  // Sizes 4 and 8 were never started; each measured size once, then size 1 twice for overload.
  assert.deepEqual(model.starts, ['1', '2', '1', '1 protect 16']);
  // Every probe is an open loop at its rate with enough virtual users; primes are closed loops.
  const probes = model.runs.filter((r) => r.rate !== undefined);
  assert.equal(probes.length, 10 + 12 + 6 + 6);
  for (const r of probes) {
    assert.equal(r.connections, virtualUsersFor(r.rate!));
    assert.equal(r.durationMs, 5000);
    assert.equal(r.warmupMs, 1000);
    assert.equal(r.page, true);
    assert.equal(r.login, `POST ${r.urls[0]!.split('/users/')[0]}/login user={1..1000}`);
  }
  // Four primes (3 starts, the protected restart), each settled after 4 rounds of 1 s: a
  // stack that is warm from the first round needs 3 more to show it is not climbing.
  assert.equal(model.runs.filter((r) => r.rate === undefined).length, 4 * 4);
});

test('the answer from that curve: 10 × 300/s is past the lb, measured at its budget', async () => {
  const { report } = await modelRun();
  const a = report.answer;
  assert.equal(a.targetRate, 3000);
  assert.equal(a.size.basis, 'unreachable');
  assert.deepEqual(
    [a.firstShared?.name, a.firstShared?.ceilingRate, a.firstShared?.basis],
    ['lb', 600, 'measured'],
  );
  // With our load today at 50/s, 10× fits what was measured.
  const today = await modelRun({ givenRate: 50 });
  assert.deepEqual(today.report.answer.size, { value: 2, basis: 'measured', perUnitRate: 300 });
});

test('overload at size 1: unprotected goodput collapses past capacity, --protect keeps it near capacity', async () => {
  const { report, lines } = await modelRun({ protect: true });
  const [open, guarded] = report.overload;
  assert.equal(open?.protect, false);
  assert.equal(guarded?.protect, true);
  assert.equal(guarded?.maxInFlight, 16);
  assert.deepEqual(
    open!.steps.map((s) => [s.multiplier, s.offeredRate, s.goodput]),
    [
      [0.5, 150, 150],
      [1, 300, 300],
      [1.5, 450, 0],
      [2, 600, 0],
      [2.5, 750, 0],
      [3, 900, 0],
    ],
  );
  assert.deepEqual(
    guarded!.steps.map((s) => s.goodput),
    [150, 300, 270, 270, 270, 270],
  );
  assert.deepEqual(
    guarded!.steps.map((s) => s.status503),
    [0, 0, 900, 1650, 2400, 3150],
  );
  assert.equal(goodputKept(open!), 0);
  assert.equal(goodputKept(guarded!), 0.9);
  assert.ok(
    lines.includes(
      'overload, --protect 16: 3× = 900/s offered → goodput 270/s, 900/s done, p99 30.0 ms, errors 3.684 % (3150 × 503)',
    ),
  );
});

test('the log says the plan, a line per probe, and where the curve stops', async () => {
  const { lines, clock } = await modelRun();
  assert.equal(
    lines[0],
    'capacity of fleet model: sizes 1, 2, 4, 8 (app hosts); SLO load.p99<200ms,errors<0.1%; each size at most 16 probes of 6 s (1 s warm-up + 5 s), bracket within 10 %',
  );
  assert.equal(lines.filter((l) => / probe \d+\/16 /.test(l)).length, 22);
  assert.ok(
    lines.includes(
      "scale-out stops: lb host 'lb' (1 core) saturated at 600/s with 2 app hosts: a larger size shares it",
    ),
  );
  // 22 search probes and 6 overload steps of 6 s, 3 primes of 4 × 1 s: the fake clock saw every run.
  assert.equal(clock.t, (22 + 6) * 6000 + 3 * 4 * 1000);
  assert.deepEqual(
    lines.filter((l) => l.startsWith('primed: ')),
    [
      'primed: 4 closed-loop rounds of 1 s, 1200 page views, 300 → 300 page views/s',
      'primed: 4 closed-loop rounds of 1 s, 2400 page views, 600 → 600 page views/s',
      'primed: 4 closed-loop rounds of 1 s, 1200 page views, 300 → 300 page views/s',
    ],
  );
});
