import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { lineChart, niceStep } from '../../../src/report/capacity-chart.js';
import { capacityHtml } from '../../../src/report/capacity-html.js';
import { capacityTable } from '../../../src/report/capacity-table.js';
import { modelRun } from './fakes.js';

const schema = JSON.parse(
  readFileSync(new URL('../../../schemas/capacity.schema.json', import.meta.url), 'utf8'),
);
const validator = () => new Ajv({ allErrors: true }).compile(schema);

test('capacity.json validates against schemas/capacity.schema.json, with and without --protect', async () => {
  const validate = validator();
  for (const protect of [false, true]) {
    const { report } = await modelRun({ protect });
    const ok = validate(JSON.parse(JSON.stringify(report)));
    assert.equal(ok, true, JSON.stringify(validate.errors, null, 2));
  }
});

test('the schema refuses what the report can never hold: an unknown verdict, a step without its multiplier', async () => {
  const validate = validator();
  const { report } = await modelRun({ protect: true });
  const r = JSON.parse(JSON.stringify(report));
  r.scaleOut[0].search.probes[0].verdict = 'maybe';
  assert.equal(validate(r), false);
  const s = JSON.parse(JSON.stringify(report));
  delete s.overload[1].steps[0].multiplier;
  assert.equal(validate(s), false);
});

test('one $id scheme for every schema: urn:flickr-killr:<name>:<version>', () => {
  assert.equal(schema.$id, 'urn:flickr-killr:capacity:1');
  for (const f of ['bench-result', 'ladder-report']) {
    const other = JSON.parse(
      readFileSync(new URL(`../../../schemas/${f}.schema.json`, import.meta.url), 'utf8'),
    );
    assert.equal(other.$id, `urn:flickr-killr:${f}:1`);
  }
});

test('the terminal table: the curve, the answer in plain words, both overload curves side by side', async () => {
  const { report } = await modelRun({ protect: true });
  const t = capacityTable(report);
  assert.match(
    t,
    /^flickr-killr capacity — fleet model \(size = app hosts\), SLO load\.p99<200ms,errors<0\.1%$/m,
  );
  assert.match(t, /^1 +300 +300–325 +300 +– +10 \(3 confirm\) +60 s +lb 0\.43\/1$/m);
  assert.match(t, /^2 +600 +600–638 +600 +1\.00 +12 \(5 confirm\) +72 s +lb 0\.86\/1 SATURATED$/m);
  assert.match(t, /The curve stops: lb host 'lb' \(1 core\) saturated at 600\/s with 2 app hosts/);
  assert.match(
    t,
    /^ {2}First shared host to saturate: lb host 'lb' \(1 core\) at 600 page views\/s — measured/m,
  );
  assert.match(t, /unprotected: goodput\/s .* protect 16: goodput\/s/);
  assert.match(t, /^ +900 +3 +0\.0 +2000 ms +0\.00 % +0 +270 +30 ms +3\.7 % +3150$/m);
});

test('the HTML report: offline, both charts in two layouts with their tables, everything escaped', async () => {
  const { report } = await modelRun({ protect: true });
  const hostile = { ...report, target: { ...report.target, name: '<script>alert(1)</script>' } };
  const html = capacityHtml(hostile);
  assert.doesNotMatch(html, /<script/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  // Scale-out, goodput and latency: each drawn wide and narrow, each with its numbers in a table.
  assert.equal((html.match(/<svg /g) ?? []).length, 6);
  assert.equal((html.match(/class="chart chart-narrow"/g) ?? []).length, 3);
  assert.equal((html.match(/<summary>The numbers: /g) ?? []).length, 3);
  for (const caption of [
    'Scale-out: the sustainable rate of each size (page views/s)',
    'Overload steps, unprotected',
    'Overload steps, --protect (16 in flight per process)',
  ])
    assert.ok(html.includes(`<caption>${caption}</caption>`), caption);
  assert.ok(html.includes('<th scope="col">'));
  assert.ok(html.includes('ideal: N × size 1'));
});

test('line charts: nice axis steps, a marker shape per series, a label pointing at the table', () => {
  assert.deepEqual([niceStep(1), niceStep(7), niceStep(430), niceStep(9000)], [0.2, 2, 100, 2000]);
  const svg = lineChart({
    title: 'T',
    xLabel: 'x',
    yLabel: 'y',
    series: [
      {
        name: 'a',
        color: '#0072B2',
        marker: 'circle',
        points: [
          [1, 10],
          [2, 20],
        ],
      },
      {
        name: 'b',
        color: '#D55E00',
        marker: 'square',
        dashed: true,
        points: [
          [1, 10],
          [2, 15],
        ],
      },
    ],
  });
  assert.match(svg, /role="img" aria-label="T; the numbers are in the table below the chart"/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 3);
  assert.equal((svg.match(/<rect /g) ?? []).length, 3);
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2);
  assert.doesNotMatch(svg, /NaN|Infinity/);
});
