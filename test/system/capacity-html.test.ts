/**
 * The capacity report in a real browser (Debian chromium via playwright-core) at 390 and 1280 px,
 * under the rules every report of ours keeps (test/helpers/report-browser.ts): nothing fetched, no
 * script, the layout that fits is the one drawn, nothing wider than the page, chart text legible,
 * every chart's numbers in a table with caption and scopes, and no serious or critical axe
 * violation. Here: the scale-out chart, and with an overload run its goodput and latency charts.
 * FK_CAPACITY_JSON=out/…/capacity.json renders a real run instead of the model stack's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { capacityHtml } from '../../src/report/capacity-html.js';
import type { CapacityReport } from '../../src/report/capacity-types.js';
import { assertReadable, keepScreenshot, reportBrowser, shownCharts } from '../helpers/report-browser.js';
import { modelRun } from '../unit/capacity/fakes.js';

test('the capacity report in headless Chromium at 390 and 1280 px', { timeout: 120_000 }, async (t) => {
  const real = process.env.FK_CAPACITY_JSON;
  const report: CapacityReport = real
    ? JSON.parse(readFileSync(resolve(real), 'utf8'))
    : (await modelRun({ protect: true })).report;
  const browser = await reportBrowser(t, capacityHtml(report));
  if (browser === undefined) return;
  for (const width of [390, 1280]) {
    await t.test(`${width} px wide`, async (t) => {
      const page = await browser.open(width);
      const charts = await shownCharts(page, width);
      // Scale-out, goodput and latency (with both overload curves).
      assert.equal(charts.length, report.overload.length > 0 ? 3 : 1);
      for (const c of charts) assert.ok(c.lines > 0, `a chart with no line: ${JSON.stringify(c)}`);
      await assertReadable(t, page, width, charts.length);
      await keepScreenshot(page, `capacity-${width}.png`);
      await page.close();
    });
  }
});
