/**
 * The HTML report in a real browser (Debian chromium via playwright-core), at a phone's width
 * (390 px) and a desktop's (1280 px), of the sample ladder ending with a fleet rung: the charts
 * draw, one throughput bar per measured stage, nothing is fetched from the network, nothing is
 * wider than the page, and axe-core (4.x, run in the page) finds no serious or critical
 * accessibility violation.
 *
 * Opt-in: FK_REPORT_JSON=out/latest/report.json renders a real report instead of the constructed
 * one; FK_SCREENSHOT=docs/report-screenshot.png saves the top of the 1280 px page (the README's);
 * FK_SCREENSHOT_DIR=DIR keeps a full-page screenshot per width there, for looking at.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { ladderHtml } from '../../src/report/ladder-html.js';
import type { LadderReport } from '../../src/report/report-types.js';
import {
  assertReadable,
  keepScreenshot,
  layoutFor,
  reportBrowser,
  shownCharts,
} from '../helpers/report-browser.js';
import { sampleReportWithFleet } from '../helpers/report-fixture.js';

test('the HTML report in headless Chromium at 390 and 1280 px', { timeout: 120_000 }, async (t) => {
  const real = process.env.FK_REPORT_JSON;
  const report: LadderReport = real
    ? JSON.parse(readFileSync(resolve(real), 'utf8'))
    : sampleReportWithFleet();
  const browser = await reportBrowser(t, ladderHtml(report));
  if (browser === undefined) return;
  const measured = report.runs.filter((r) => r.status === 'ok').length;

  for (const width of [390, 1280]) {
    await t.test(`${width} px wide`, async (t) => {
      const page = await browser.open(width);
      const charts = await shownCharts(page, width);
      assert.ok(
        charts.length >= 4,
        `4 charts (throughput, latency, CPU, Server-Timing), got ${charts.length}`,
      );
      for (const c of charts) assert.ok(c.rects > 0, `a chart with no bar: ${JSON.stringify(c)}`);
      const bars = await page.$$eval(`svg.${layoutFor(width)} rect.bar-pv`, (els) =>
        els.map((e) => {
          const b = e.getBoundingClientRect();
          return b.width * b.height;
        }),
      );
      assert.equal(bars.length, measured, 'one page-views bar per measured stage');
      for (const area of bars) assert.ok(area > 0, 'every bar has a non-zero bounding box');
      await assertReadable(t, page, width, charts.length);

      await keepScreenshot(page, `report-${width}.png`);
      if (process.env.FK_SCREENSHOT && width === 1280) {
        await page.evaluate("for (const d of document.querySelectorAll('details')) d.open = false");
        // The top of the report (table, throughput, latency, CPU): what a README can show legibly.
        await page.setViewportSize({ width: 960, height: 2000 });
        await page.screenshot({
          path: resolve(process.env.FK_SCREENSHOT),
          clip: { x: 0, y: 0, width: 960, height: 2000 },
        });
      }
      await page.close();
    });
  }
});
