/**
 * What every HTML report of ours must be in a real browser (Debian chromium via playwright-core),
 * shared by the ladder's and the capacity report's tests: opened from a file with nothing fetched
 * and no script; the drawing that fits the width is the one shown; chart text legible; nothing
 * wider than the page; every chart's numbers in a table with caption and header scopes; no serious
 * or critical axe-core violation. Each test adds only what its own report draws.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { requireServer } from './prereq.js';

// The flags the machine notes give for a closed network: without the background-networking ones
// Chromium's own connections are refused, many at a time.
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

export interface ReportBrowser {
  context: BrowserContext;
  /** Opens the report at a width, asserting that it fetches nothing and runs no script. */
  open(width: number): Promise<Page>;
}

/** Writes `html` to a temp file and opens Chromium on it; undefined (skipped) without chromium. */
export async function reportBrowser(t: TestContext, html: string): Promise<ReportBrowser | undefined> {
  const bin = requireServer(t, 'chromium', 'chromium');
  if (bin === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fk-report-browser-'));
  const file = join(dir, 'index.html');
  writeFileSync(file, html);
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
  return {
    context,
    async open(width) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: 900 });
      const external: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) external.push(r.url());
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 30_000 });
      assert.deepEqual(external, [], 'the report fetches nothing');
      assert.equal(await page.$$eval('script', (s) => s.length), 0);
      return page;
    },
  };
}

/** Each chart is drawn wide and narrow; CSS shows one of them (the other has no box). */
export const layoutFor = (width: number) => (width < 600 ? 'chart-narrow' : 'chart-wide');

export interface ShownChart {
  w: number;
  h: number;
  rects: number;
  lines: number;
  cls: string | null;
}

/** The charts with a box, each asserted to be the drawing for this width and to fit in it. */
export async function shownCharts(page: Page, width: number): Promise<ShownChart[]> {
  const charts = (
    await page.$$eval('svg.chart', (els) =>
      els.map((e) => {
        const b = e.getBoundingClientRect();
        return {
          w: b.width,
          h: b.height,
          rects: e.querySelectorAll('rect').length,
          lines: e.querySelectorAll('polyline').length,
          cls: e.getAttribute('class'),
        };
      }),
    )
  ).filter((c) => c.w > 0);
  const layout = layoutFor(width);
  for (const c of charts) {
    assert.ok(c.cls?.includes(layout), `${width} px shows the ${layout} drawings: ${c.cls}`);
    assert.ok(c.h > 0 && c.w <= width, `a chart ${c.w}×${c.h} px on a ${width} px page`);
  }
  return charts;
}

/** Legible text, nothing sticking out, every chart's numbers in a table, no serious axe finding. */
export async function assertReadable(
  t: TestContext,
  page: Page,
  width: number,
  charts: number,
): Promise<void> {
  // At least 9 px rendered (a 760-unit drawing on a phone gave 5).
  const smallest = await page.$$eval(`svg.${layoutFor(width)} text`, (els) =>
    Math.min(...els.map((e) => e.getBoundingClientRect().height)),
  );
  assert.ok(smallest >= 9, `chart text ${smallest.toFixed(1)} px high at ${width} px`);
  // Wide tables scroll inside their own region. (Page code as strings: no DOM types here.)
  const overflow = (await page.evaluate(
    '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
  )) as { scroll: number; client: number };
  assert.ok(overflow.scroll <= overflow.client, `page ${overflow.scroll} px wide in ${overflow.client} px`);
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
  assert.equal(tables.length, charts, 'a figure with a table per chart');
  for (const x of tables) assert.ok(x.caption !== '' && x.colScopes > 1 && x.rowHeads > 0, JSON.stringify(x));
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
}

/** FK_SCREENSHOT_DIR=DIR keeps a full-page screenshot per width there, for looking at. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  const shots = process.env.FK_SCREENSHOT_DIR;
  if (shots) await page.screenshot({ path: join(resolve(shots), name), fullPage: true });
}
