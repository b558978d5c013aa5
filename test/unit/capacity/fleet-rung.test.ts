import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fleetDiagnosis } from '../../../src/capacity/fleet-diagnosis.js';
import { fleetEfficiency } from '../../../src/capacity/fleet-rung.js';
import { hostUsages } from '../../../src/capacity/target.js';
import type { PartUsage } from '../../../src/report/capacity-types.js';
import { fleetScaleOutLine } from '../../../src/report/ladder-table.js';
import type { Diagnosis } from '../../../src/report/report-types.js';
import { benchCore, summary } from '../../helpers/report-fixture.js';

// The fleet rung's diagnosis names the saturated HOST and its role, from recorded host figures.
const host = (name: string, role: PartUsage['role'], used: number, quota: number): PartUsage => ({
  name,
  role,
  shared: role !== 'app',
  usedCores: used,
  budgetCores: quota,
  roles: [role],
});
const generic: Diagnosis = {
  bottleneck: 'not-saturated',
  text: 'generic verdict',
  evidence: ['88 page views/s'],
};
const bench = summary(benchCore(90));

test('a shared host at its quota: named with its role and quota, code shared-host', () => {
  const d = fleetDiagnosis(
    bench,
    [host('lb', 'lb', 0.7, 0.75), host('app1', 'app', 0.2, 0.25), host('app2', 'app', 0.24, 0.25)],
    generic,
  );
  assert.equal(d.bottleneck, 'shared-host');
  assert.match(
    d.text,
    /^lb host 'lb' \(0\.75 cores\) saturated at \d+(\.\d)? page views\/s \(93 % of its quota\)/,
  );
  assert.ok(d.evidence.some((e) => e.startsWith('CPU per host (cores of its quota): lb 0.70/0.75 (93 %)')));
});

test('app hosts at their quota, shared hosts below: app-cpu naming the app hosts; db → database', () => {
  const d = fleetDiagnosis(
    bench,
    [host('lb', 'lb', 0.3, 0.75), host('app1', 'app', 0.24, 0.25), host('app2', 'app', 0.23, 0.25)],
    generic,
  );
  assert.equal(d.bottleneck, 'app-cpu');
  assert.match(d.text, /^Every app host at its CPU quota \(app host 'app1' \(0\.25 cores\), app host 'app2'/);
  const db = fleetDiagnosis(bench, [host('db', 'db', 0.48, 0.5), host('app1', 'app', 0.1, 0.25)], generic);
  assert.equal(db.bottleneck, 'database');
  assert.match(db.text, /^db host 'db' \(0\.5 cores\) saturated/);
  // Errors or no figures: the generic verdict stands.
  const errors: Diagnosis = { ...generic, bottleneck: 'errors' };
  assert.equal(fleetDiagnosis(bench, [host('lb', 'lb', 0.75, 0.75)], errors), errors);
  assert.equal(fleetDiagnosis(bench, [], generic), generic);
  assert.deepEqual(hostUsages([host('lb', 'lb', 0.3, 0.75)]), [
    { name: 'lb', roles: ['lb'], usedCores: 0.3, quotaCores: 0.75 },
  ]);
});

test("the short scale-out line says how it is shorter than capacity's", () => {
  assert.equal(
    fleetScaleOutLine({
      sizes: [
        { size: 1, sustainableRate: 41, probes: 4, saturated: [] },
        { size: 2, sustainableRate: 77, probes: 4, saturated: [] },
      ],
      efficiency: 0.939,
      stopReason: 'the largest size this target runs at (2 app hosts)',
      probeMs: 2000,
      warmupMs: 500,
      maxProbes: 4,
      tolerance: 0.15,
      slo: 'load.p99<200ms,errors<0.1%',
    }),
    'scale-out (sustainable, SLO load.p99<200ms,errors<0.1%): 1 app host 41/s, 2 app hosts 77/s; efficiency 0.939 — short: ≤ 4 probes of 2 s per size, within 15 % (capacity --lab: sizes 1, 2, 4, up to 16 probes of 5 s, 10 %, overload too).',
  );
});

test('a size whose every probe passed is a lower bound: shown "≥", and no efficiency from it', () => {
  // The 22:06 npm start: size 1 passed 50…400/s (no upper bound), size 2 failed at 500/s.
  const sizes = [
    { size: 1, sustainableRate: 400, probes: 4, upperRate: null, saturated: [] },
    { size: 2, sustainableRate: 400, probes: 4, upperRate: 500, saturated: [] },
  ];
  assert.equal(fleetEfficiency(sizes), null, 'not 0.5');
  const line = fleetScaleOutLine({
    sizes,
    efficiency: null,
    stopReason: 'the largest size this target runs at (2 app hosts)',
    probeMs: 2000,
    warmupMs: 500,
    maxProbes: 6,
    tolerance: 0.15,
    slo: 'load.p99<200ms,errors<0.1%',
  });
  assert.match(
    line,
    /1 app host ≥ 400\/s, 2 app hosts 400\/s; efficiency – \(a size not bracketed within its probes\)/,
  );
  // Both bracketed: the ratio, to 3 decimals.
  assert.equal(
    fleetEfficiency([
      { size: 1, sustainableRate: 41, probes: 6, upperRate: 46, saturated: [] },
      { size: 2, sustainableRate: 77, probes: 6, upperRate: 86, saturated: [] },
    ]),
    0.939,
  );
});
