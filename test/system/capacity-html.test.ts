/**
 * The capacity report in a real browser (Debian chromium via playwright-core) at 390 and 1280 px,
 * under the ladder report's rules (test/system/report-html.test.ts): nothing fetched, no script,
 * the layout that fits is the one drawn, nothing wider than the page, chart text legible, every
 * chart's numbers in a table with caption and scopes, and no serious or critical axe violation.
 * FK_CAPACITY_JSON=out/…/capacity.json renders a real run instead of the model stack's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { capacityHtml } from '../../src/report/capacity-html.js';
import type { CapacityReport } from '../../src/report/capacity-types.js';
import { requireServer } from '../helpers/prereq.js';
import { modelRun } from '../unit/capacity/fakes.js';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

test('the capacity report in headless Chromium at 390 and 1280 px', { timeout: 120_000 }, async (t) => {
  const bin = requireServer(t, 'chromium', 'chromium');
  if (bin === undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'fk-capacity-html-'));
  const real = process.env.FK_CAPACITY_JSON;
  const report: CapacityReport = real
    ? JSON.parse(readFileSync(resolve(real), 'utf8'))
    : (await modelRun({ protect: true })).report;
  const file = join(dir, 'index.html');
  writeFileSync(file, capacityHtml(report));
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
      const layout = width < 600 ? 'chart-narrow' : 'chart-wide';
      const charts = (
        await page.$$eval('svg.chart', (els) =>
          els.map((e) => {
            const b = e.getBoundingClientRect();
            return {
              w: b.width,
              h: b.height,
              lines: e.querySelectorAll('polyline').length,
              cls: e.getAttribute('class'),
            };
          }),
        )
      ).filter((c) => c.w > 0);
      // Scale-out, goodput and latency (with both overload curves).
      assert.equal(charts.length, report.overload.length > 0 ? 3 : 1);
      for (const c of charts) {
        assert.ok(c.cls?.includes(layout), `${width} px shows the ${layout} drawings: ${c.cls}`);
        assert.ok(c.w <= width && c.h > 0, JSON.stringify(c));
      }
      const smallest = await page.$$eval(`svg.${layout} text`, (els) =>
        Math.min(...els.map((e) => e.getBoundingClientRect().height)),
      );
      assert.ok(smallest >= 9, `chart text ${smallest.toFixed(1)} px high at ${width} px`);
      const overflow = (await page.evaluate(
        '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
      )) as { scroll: number; client: number };
      assert.ok(
        overflow.scroll <= overflow.client,
        `page ${overflow.scroll} px wide in ${overflow.client} px`,
      );
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
      if (shots) await page.screenshot({ path: join(shots, `capacity-${width}.png`), fullPage: true });
      await page.close();
    });
  }
});
