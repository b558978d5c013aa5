/**
 * The HTML report in a real browser (Debian chromium via playwright-core), at a phone's width
 * (390 px) and a desktop's (1280 px): the charts draw, one throughput bar per measured stage,
 * nothing is fetched from the network, nothing is wider than the page, and axe-core (4.x, run in
 * the page) finds no serious or critical accessibility violation.
 *
 * Opt-in: FK_REPORT_JSON=out/latest/report.json renders a real report instead of the constructed
 * one; FK_SCREENSHOT=docs/report-screenshot.png saves the top of the 1280 px page (the README's);
 * FK_SCREENSHOT_DIR=DIR keeps a full-page screenshot per width there, for looking at.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ladderHtml } from '../../src/report/ladder-html.js';
import type { LadderReport } from '../../src/report/report-types.js';
import { requireServer } from '../helpers/prereq.js';
import { sampleReport } from '../helpers/report-fixture.js';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

test('the HTML report in headless Chromium at 390 and 1280 px', { timeout: 120_000 }, async (t) => {
  const bin = requireServer(t, 'chromium', 'chromium');
  if (bin === undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'fk-report-html-'));
  const real = process.env.FK_REPORT_JSON;
  const report: LadderReport = real ? JSON.parse(readFileSync(resolve(real), 'utf8')) : sampleReport();
  const file = join(dir, 'index.html');
  writeFileSync(file, ladderHtml(report));

  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: bin,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
  t.after(async () => {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const measured = report.runs.filter((r) => r.status === 'ok').length;

  for (const width of [390, 1280]) {
    await t.test(`${width} px wide`, async () => {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: 900 });
      const external: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) external.push(r.url());
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 30_000 });
      assert.deepEqual(external, [], 'the report fetches nothing');
      assert.equal(await page.$$eval('script', (s) => s.length), 0);

      // Each chart is drawn wide and narrow; CSS shows one of them (the other has no box).
      const charts = (
        await page.$$eval('svg.chart', (els) =>
          els.map((e) => {
            const b = e.getBoundingClientRect();
            return {
              w: b.width,
              h: b.height,
              rects: e.querySelectorAll('rect').length,
              cls: e.getAttribute('class'),
            };
          }),
        )
      ).filter((c) => c.w > 0);
      const layout = width < 600 ? 'chart-narrow' : 'chart-wide';
      assert.ok(
        charts.every((c) => c.cls?.includes(layout)),
        `${width} px shows the ${layout} drawings: ${charts.map((c) => c.cls).join(', ')}`,
      );
      assert.ok(
        charts.length >= 4,
        `4 charts (throughput, latency, CPU, Server-Timing), got ${charts.length}`,
      );
      for (const c of charts) {
        assert.ok(c.w > 0 && c.h > 0 && c.rects > 0, JSON.stringify(c));
        assert.ok(c.w <= width, `a chart ${c.w} px wide on a ${width} px page`);
      }
      const bars = await page.$$eval(`svg.${layout} rect.bar-pv`, (els) =>
        els.map((e) => {
          const b = e.getBoundingClientRect();
          return b.width * b.height;
        }),
      );
      assert.equal(bars.length, measured, 'one page-views bar per measured stage');
      for (const area of bars) assert.ok(area > 0, 'every bar has a non-zero bounding box');
      // Chart text stays legible: at least 9 px rendered (a 760-unit drawing on a phone gave 5).
      const smallest = await page.$$eval(`svg.${layout} text`, (els) =>
        Math.min(...els.map((e) => e.getBoundingClientRect().height)),
      );
      assert.ok(smallest >= 9, `chart text ${smallest.toFixed(1)} px high at ${width} px`);

      // Nothing sticks out of the page: wide tables scroll inside their own region.
      // (Page code as strings: this project's tsconfig has no DOM types.)
      const overflow = (await page.evaluate(
        '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
      )) as { scroll: number; client: number };
      assert.ok(
        overflow.scroll <= overflow.client,
        `page ${overflow.scroll} px wide in ${overflow.client} px`,
      );

      // Every chart's numbers are in a table with a caption and header scopes.
      const tables = await page.$$eval('figure', (figs) =>
        figs.map((f) => {
          const table = f.querySelector('details table');
          return {
            caption: table?.querySelector('caption')?.textContent ?? '',
            colScopes: table?.querySelectorAll('thead th[scope=col]').length ?? 0,
            rowHeads: table?.querySelectorAll('tbody th[scope=row]').length ?? 0,
          };
        }),
      );
      assert.equal(tables.length, charts.length);
      for (const x of tables)
        assert.ok(x.caption !== '' && x.colScopes > 1 && x.rowHeads > 0, JSON.stringify(x));

      await page.addScriptTag({ path: AXE });
      // Every <details> opened, so the tables inside are checked too.
      const violations = (await page.evaluate(
        `(async () => {
          for (const d of document.querySelectorAll('details')) d.open = true;
          return (await axe.run(document, { resultTypes: ['violations'] })).violations;
        })()`,
      )) as AxeViolation[];
      const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(
        serious.map(
          (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
        ),
        [],
      );
      if (violations.length > 0)
        t.diagnostic(`axe, minor/moderate: ${violations.map((v) => `${v.id} (${v.impact})`).join(', ')}`);

      const shots = process.env.FK_SCREENSHOT_DIR;
      if (shots) await page.screenshot({ path: join(resolve(shots), `report-${width}.png`), fullPage: true });
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
