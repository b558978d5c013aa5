import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ladderHtml } from '../../../src/report/ladder-html.js';
import { escapeXml, logBarChart, stackedBarChart } from '../../../src/report/svg-charts.js';
import { cpu, sampleReport, sampleReportWithFleet } from '../../helpers/report-fixture.js';

test('escapeXml escapes the five XML specials', () => {
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('logBarChart draws one bar per positive value, none for missing ones', () => {
  const svg = logBarChart({
    title: 't',
    unit: '/s',
    series: [
      { name: 'a', cls: 'bar a', color: '#000' },
      { name: 'b', cls: 'bar b', color: '#111' },
    ],
    rows: [
      { label: 'x', values: [10, undefined] },
      { label: 'y', values: [1000, 0] },
    ],
  });
  assert.equal(svg.match(/<rect class="bar a"/g)?.length, 2);
  assert.equal(svg.match(/<rect class="bar b"/g), null);
  // log scale: 1000 is drawn 3× as far from 1 as 10 is.
  const widths = [...svg.matchAll(/class="bar a"[^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.ok(widths[1]! > widths[0]!);
});

test('stackedBarChart: segments proportional, total noted', () => {
  const svg = stackedBarChart({
    title: 't',
    unit: 'cores',
    series: [
      { name: 'a', cls: 'a', color: '#000' },
      { name: 'b', cls: 'b', color: '#111' },
    ],
    rows: [{ label: 'x', values: [1, 1] }],
  });
  const w = [...svg.matchAll(/class="seg [ab]"[^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(w.length, 2);
  assert.equal(w[0], w[1]);
  assert.match(svg, />2\.00 cores</);
});

test('the HTML report is self-contained, escapes what it shows, and has a bar per measured stage', () => {
  const html = ladderHtml(sampleReport());
  assert.doesNotMatch(html, /<script/i, 'no script, and the hostile stage title is escaped');
  assert.doesNotMatch(html, /(src|href)="https?:/, 'no external resources');
  assert.match(html, /Test CPU &lt;b&gt;/);
  assert.match(html, /&lt;boom&gt;/);
  // Each chart is drawn twice (wide, narrow): one bar per measured stage in each drawing.
  for (const layout of ['wide', 'narrow']) {
    const drawings = html.split('<svg').filter((x) => x.includes(`class="chart chart-${layout}"`));
    assert.equal(drawings.length, 4, `${layout}: throughput, latency, CPU, Server-Timing`);
    assert.equal(drawings[0]!.match(/<rect class="bar bar-pv"/g)?.length, 5);
    assert.equal(drawings[0]!.match(/<rect class="bar bar-talk"/g)?.length, 5);
  }
  assert.match(html, /load generator runs on the same machine/);
  assert.match(html, /apt-get install varnish/);
  assert.match(html, /nginx 1\.22\.1/);
  assert.doesNotMatch(html, /NaN|Infinity|undefined/);
});

test('a report with nothing measured still renders (every stage skipped)', () => {
  const r = sampleReport();
  r.runs = r.runs.map((x) => ({
    id: x.id,
    stage: x.stage,
    label: x.label,
    title: x.title,
    summary: '',
    status: 'skipped',
    reason: 'missing nginx',
  }));
  const html = ladderHtml(r);
  assert.equal(html.match(/<rect class="bar bar-pv"/g), null);
  assert.doesNotMatch(html, /NaN|Infinity|undefined/);
  assert.equal(html.match(/skipped: missing nginx/g)?.length, 2 * r.runs.length);
});

test('every chart has its numbers in a table; tables have captions and header scopes; charts scale', () => {
  const html = ladderHtml(sampleReport());
  const figures = html.split('<figure>').slice(1);
  assert.equal(figures.length, 4);
  for (const f of figures) {
    assert.match(f, /<details><summary>The numbers: [^<]+<\/summary>/);
    assert.match(f, /<table><caption>[^<]+<\/caption>/);
  }
  // p90, CPU per role and the Server-Timing phases, which no table showed before.
  assert.match(figures[1]!, /<th scope="col">p90<\/th>/);
  assert.match(figures[1]!, /<th scope="row">single<\/th><td>8\.3 ms<\/td><td>17 ms<\/td><td>33 ms<\/td>/);
  assert.match(
    figures[2]!,
    /<th scope="col">app-1 \(cores\)<\/th>.*<th scope="col">load generator \(cores\)<\/th>/,
  );
  assert.match(
    figures[2]!,
    /<td>0\.90<\/td><td>0\.20<\/td><td>0\.30<\/td><td>0\.02<\/td><td>1\.42 of 2 cores<\/td>/,
  );
  assert.match(
    figures[3]!,
    /<th scope="col">session \(ms\)<\/th><th scope="col">db \(ms\)<\/th><th scope="col">render \(ms\)<\/th>/,
  );
  const tables = html.match(/<table>/g)!.length;
  assert.equal(html.match(/<caption>/g)!.length, tables);
  assert.equal(tables, 5, 'the results table and one per chart');
  assert.doesNotMatch(html, /<th>/, 'every header cell has a scope');
  assert.doesNotMatch(html, /<svg[^>]*\swidth="/, 'no fixed chart width: the viewBox and CSS size it');
  assert.match(html, /\.chart\{display:block;width:100%;height:auto\}/);
});

test('CPU roles share a colour and one legend entry per part of the stack (app-1, app-2: app processes)', () => {
  const r = sampleReport();
  r.runs[2]!.cpu = cpu({ 'app-1': 0.5, 'app-2': 0.4, nginx: 0.05, 'nginx-worker-1': 0.3, redis: 0.1 });
  const html = ladderHtml(r);
  const wide = html.split('<svg').find((x) => x.includes('CPU during the run') && x.includes('chart-wide'))!;
  const legend = [...wide.matchAll(/class="legend">([^<]+)</g)].map((m) => m[1]);
  assert.deepEqual(legend, ['app processes', 'nginx', 'redis', 'load generator', 'other processes']);
  const fill = (role: string) =>
    new RegExp(`class="seg cpu-\\d+" [^>]*fill="(#[0-9A-F]{6})"[^>]*><title>nginx — ${role}:`).exec(
      wide,
    )?.[1];
  assert.equal(fill('app-1'), fill('app-2'));
  assert.equal(fill('nginx'), fill('nginx-worker-1'));
  assert.notEqual(fill('app-1'), fill('nginx'));
  // The numbers table still has a column per role.
  assert.match(html, /<th scope="col">app-2 \(cores\)<\/th>/);
});

test('the fleet rung: every host against its quota, and the scale-out chart with its numbers', () => {
  assert.doesNotMatch(ladderHtml(sampleReport()), /Past one machine/, 'no fleet rung, no section');
  const html = ladderHtml(sampleReportWithFleet());
  assert.match(html, /<h2>Past one machine: the fleet rung<\/h2>/);
  assert.match(html, /fleet &lt;lab&gt;: CPU of every host/);
  assert.match(html, /<th scope="row">app1<\/th><td>app<\/td><td>0\.20<\/td><td>0\.25<\/td><td>80 %<\/td>/);
  // The chart, both layouts: measured (circles) and ideal (squares) at 1 and 2 app hosts.
  const wide = html.split('<svg').find((x) => x.includes('by app hosts') && x.includes('chart-wide'))!;
  assert.equal(wide.match(/<circle /g)?.length, 1 + 2, 'legend marker + two sizes');
  assert.match(wide, /measured: sustainable: 2 → 83/);
  const ticks = [...wide.matchAll(/y="292" class="tick" text-anchor="middle">([^<]+)</g)].map((m) => m[1]);
  assert.deepEqual(ticks, ['0', '1', '2'], 'whole app hosts on the x axis');
  assert.match(wide, /ideal: N × 1 app host: 2 → 88/);
  assert.equal(html.split('<svg').filter((x) => x.includes('by app hosts')).length, 2);
  // Its numbers table, and how it is shorter than capacity's.
  assert.match(html, /<th scope="row">2<\/th><td>83\.0<\/td><td>88\.0<\/td>/);
  assert.match(html, /≤ 4 probes of 2 s per size/);
  assert.match(html, /Efficiency \(rate with 2 ÷ 2 × rate with 1\): <strong>0\.943<\/strong>/);
  assert.match(html, /1 app host: app1 at its quota/);
});

test('the fleet rung with size 1 sustaining nothing draws no ideal line', () => {
  const r = sampleReportWithFleet();
  const fleet = r.runs.at(-1)!;
  fleet.scaleOut = {
    ...fleet.scaleOut!,
    sizes: [{ size: 1, sustainableRate: 0, probes: 4, saturated: [] }],
    efficiency: null,
  };
  const html = ladderHtml(r);
  assert.doesNotMatch(html, /ideal: N × 1 app host/);
  assert.match(html, /<strong>–<\/strong>/);
});
