import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answer, sharedLimits } from '../../../src/capacity/answer.js';
import type { PartUsage, ScalePoint } from '../../../src/report/capacity-types.js';
import { probeResult } from './fakes.js';

/** A point of the curve as run-capacity records it, from the figures of a run. */
function point(
  size: number,
  rate: number,
  parts: PartUsage[],
  upperReason: 'slo' | 'generator' = 'slo',
): ScalePoint {
  const probe = { n: 1, phase: 'bisect' as const, ...probeResult(rate, 'pass', parts) };
  return {
    size,
    search: {
      sustainableRate: rate,
      upperRate: Math.round(rate * 1.08),
      upperReason,
      converged: true,
      stoppedBy: 'tolerance',
      confirmations: 0,
      probes: [probe],
      elapsedS: 50,
    },
    parts,
    saturated: parts.filter((p) => p.shared && p.usedCores >= 0.85 * p.budgetCores).map((p) => p.name),
    ideal: rate,
    efficiency: null,
  };
}

const part = (
  name: string,
  role: PartUsage['role'],
  used: number,
  budget: number,
  shared = true,
): PartUsage => ({
  name,
  role,
  shared,
  usedCores: used,
  budgetCores: budget,
});

const stage = { kind: 'stage' as const, sizeUnit: 'app processes', staticFrom: 'cache' as const, maxSize: 4 };
const fleet = { kind: 'fleet' as const, sizeUnit: 'app hosts', staticFrom: 'cache' as const, maxSize: 8 };

// Recorded: stage memcached, 1 app process, 2026-12-01 23:12 UTC on the shared 2-core machine.
const memcached1 = point(1, 225, [
  part('nginx', 'lb', 0.155, 1),
  part('app processes', 'app', 0.12, 1, false),
  part('redis', 'sessions', 0.015, 1),
  part('memcached', 'cache', 0.115, 2),
  part('other processes', 'other', 1.2, 2, false),
  part('machine', 'machine', 1.95, 2),
]);

test('one machine, saturated at size 1: 10× is unreachable by size, the machine is named, measured', () => {
  const a = answer({ points: [memcached1], target: stage, factor: 10 });
  assert.deepEqual(a.baseline, { rate: 225, source: 'size-1' });
  assert.equal(a.targetRate, 2250);
  assert.deepEqual(a.size, { value: null, basis: 'unreachable', perUnitRate: 225 });
  assert.deepEqual(a.firstShared, {
    name: 'machine',
    role: 'machine',
    ceilingRate: 225,
    basis: 'measured',
    usedCores: 1.95,
    budgetCores: 2,
    atRate: 225,
    atSize: 1,
  });
  assert.deepEqual(
    a.actions.map((x) => x.part),
    ['machine', 'database'],
  );
  assert.deepEqual(a.lines.slice(0, 3), [
    'Target: 225 page views/s (the sustainable rate at size 1, in app processes) × 10 = 2,250 page views/s.',
    'Unreachable by adding app processes: machine caps the rate first (below).',
    'First shared part to saturate: machine (machine) at 225 page views/s — measured (1.95 of 2 cores at 225/s, size 1).',
  ]);
  // Other work took 1.2 of 2 cores: the answer says the rates are low, not that the stack is slow.
  assert.match(a.lines[3]!, /^Other processes used 1\.20 of 2 cores during size 1's measurement/);
});

// A fleet-like curve: 300/s with one app host, 570/s with two; the lb and db hosts grow with it.
const fleet1 = point(1, 300, [
  part('lb', 'lb', 0.2, 1),
  part('db', 'db', 0.3, 2),
  part('app1', 'app', 0.9, 1, false),
]);
const fleet2 = point(2, 570, [
  part('lb', 'lb', 0.38, 1),
  part('db', 'db', 0.57, 2),
  part('app1', 'app', 0.9, 1, false),
  part('app2', 'app', 0.9, 1, false),
]);

test('shared limits: each extrapolated from its busiest measurement, rate × budget ÷ used, lowest first', () => {
  assert.deepEqual(
    sharedLimits([fleet1, fleet2]).map((s) => [s.name, s.ceilingRate, s.basis, s.atSize]),
    [
      ['lb', 1500, 'extrapolated', 2],
      ['db', 2000, 'extrapolated', 2],
    ],
  );
});

test('an extrapolation never hides a saturated shared part: 10× of 300/s is past the lb ceiling', () => {
  const a = answer({ points: [fleet1, fleet2], target: fleet, factor: 10 });
  assert.equal(a.targetRate, 3000);
  assert.equal(a.size.basis, 'unreachable');
  assert.equal(a.size.value, null);
  assert.equal(a.firstShared?.name, 'lb');
  assert.equal(a.firstShared?.ceilingRate, 1500);
  assert.deepEqual(
    a.actions.map((x) => x.part),
    ['lb', 'database'],
  );
  assert.match(a.actions[0]!.text, /front door is the limit at ~1,500\/s/);
  assert.match(
    a.actions[1]!.text,
    /past ~1000 pages\/s.*db replicas\/clusters, reads vs\. writes, partitioning/,
  );
});

test('our load today × 10 within every ceiling: app hosts extrapolated from the best rate per host, labelled so', () => {
  const a = answer({ points: [fleet1, fleet2], target: fleet, factor: 10, givenRate: 100 });
  assert.deepEqual(a.baseline, { rate: 100, source: 'given' });
  assert.equal(a.targetRate, 1000);
  assert.deepEqual(a.size, { value: 4, basis: 'extrapolated', perUnitRate: 300 });
  assert.equal(
    a.lines[1],
    'Extrapolated: 4 app hosts (1,000/s ÷ 300/s per unit, the best measured; measured up to 2).',
  );
  // The first shared part is still named, with its ceiling — on a fleet as a host, its role and quota.
  assert.match(
    a.lines[2]!,
    /^First shared host to saturate: lb host 'lb' \(1 core\) at ~1,500 page views\/s — extrapolated/,
  );
  assert.deepEqual(a.firstSharedHost, {
    name: 'lb',
    roles: ['lb'],
    quotaCores: 1,
    label: "lb host 'lb' (1 core)",
  });
  assert.deepEqual(
    a.actions.map((x) => x.part),
    ['app'],
  );
  assert.equal(a.actions[0]!.text, 'another app host, and another: 4 in all for 1,000/s (≈ 300/s each).');
});

test('a measured size that sustains the target is the answer, and says "measured"', () => {
  const a = answer({ points: [fleet1, fleet2], target: fleet, factor: 5, givenRate: 100 });
  assert.deepEqual(a.size, { value: 2, basis: 'measured', perUnitRate: 300 });
  assert.equal(a.lines[1], 'Measured: 2 app hosts sustain 570/s — enough.');
});

test('static files served by the app, a generator-bound curve, a database limit: each gets its advice', () => {
  const gen = point(1, 400, [part('lb', 'lb', 0.1, 1)], 'generator');
  const a = answer({ points: [gen], target: { ...stage, staticFrom: 'app' }, factor: 2 });
  assert.equal(a.generatorLimited, true);
  assert.deepEqual(
    a.actions.map((x) => x.part),
    ['generator', 'app', 'static'],
  );
  assert.ok(a.lines.includes('The load generator saturated first: these figures are lower bounds.'));
  const db = point(1, 40, [part('db', 'db', 1.8, 2)]);
  const d = answer({ points: [db], target: fleet, factor: 10 });
  assert.equal(d.firstShared?.basis, 'measured');
  assert.deepEqual(
    d.actions.map((x) => x.part),
    ['db', 'database'],
  );
  assert.match(d.actions[1]!.text, /check the index first/);
});

test('nothing sustained: no rate to scale from, and no size', () => {
  const none = { ...point(1, 0, []), saturated: [] };
  const a = answer({ points: [none], target: stage, factor: 10 });
  assert.equal(a.targetRate, 0);
  assert.deepEqual(a.size, { value: null, basis: 'unreachable', perUnitRate: 0 });
  assert.equal(a.lines[1], 'Nothing sustained the SLO: there is no rate to scale from.');
});

test("hosts that share one kernel: the answer says every CPU figure is that machine's", () => {
  // Recorded shape: `capacity --hosts` on lab cac's hosts, each /proc/stat the whole 2-core machine's.
  const k = (p: PartUsage): PartUsage => ({ ...p, kernel: 'btime 1796229007' });
  const p1 = point(1, 40, [
    k({ ...part('lb', 'lb', 1.5, 2), roles: ['lb'] }),
    k({ ...part('app1', 'app', 1.5, 2, false), roles: ['app'] }),
    k({ ...part('db', 'db', 1.5, 2), roles: ['db'] }),
  ]);
  const a = answer({ points: [p1], target: fleet, factor: 10 });
  const line = a.lines.find((l) => l.startsWith('Hosts '));
  assert.ok(line !== undefined, a.lines.join('\n'));
  assert.match(line, /^Hosts lb, app1, db share one kernel .*that whole machine's, not its own/);
  // Real machines of their own (different kernels, or none recorded): no such line.
  const own = answer({ points: [point(1, 40, [part('lb', 'lb', 0.2, 2)])], target: fleet, factor: 10 });
  assert.equal(
    own.lines.some((l) => l.startsWith('Hosts ')),
    false,
  );
});

test('a lab fleet on a busy box: other processes are named, and they are neither a host nor a shared limit', () => {
  const busy = point(1, 300, [
    part('lb', 'lb', 0.2, 1),
    part('app1', 'app', 0.9, 1, false),
    part('other processes', 'other', 0.9, 2, false),
  ]);
  const a = answer({ points: [busy, fleet2], target: fleet, factor: 2 });
  assert.deepEqual(
    sharedLimits([busy, fleet2]).map((s) => s.name),
    ['lb', 'db'],
  );
  assert.equal(a.firstShared?.name, 'lb');
  assert.ok(
    a.lines.some((l) => l.startsWith("Other processes used 0.90 of 2 cores during size 1's measurement")),
    a.lines.join('\n'),
  );
});
