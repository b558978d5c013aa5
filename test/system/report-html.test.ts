/**
 * The HTML report in a real browser (Debian chromium via playwright-core): the charts draw, one
 * throughput bar per measured stage, nothing is fetched from the network.
 *
 * Opt-in: FK_REPORT_JSON=out/latest/report.json FK_SCREENSHOT=docs/report-screenshot.png renders a
 * real report instead of the constructed one and saves a full-page screenshot (the README's).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ladderHtml } from '../../src/report/ladder-html.js';
import type { LadderReport } from '../../src/report/report-types.js';
import { requireServer } from '../helpers/prereq.js';
import { sampleReport } from '../unit/report/report-fixture.js';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

test('the HTML report draws its charts in headless Chromium', { timeout: 90_000 }, async (t) => {
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
    viewport: { width: 960, height: 2000 },
    timeout: 30_000,
  });
  t.after(async () => {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const page = await context.newPage();
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) external.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 30_000 });

  const charts = await page.$$eval('svg.chart', (els) =>
    els.map((e) => {
      const b = e.getBoundingClientRect();
      return { w: b.width, h: b.height, rects: e.querySelectorAll('rect').length };
    }),
  );
  assert.ok(charts.length >= 4, `4 charts (throughput, latency, CPU, Server-Timing), got ${charts.length}`);
  for (const c of charts) assert.ok(c.w > 0 && c.h > 0 && c.rects > 0, JSON.stringify(c));

  const measured = report.runs.filter((r) => r.status === 'ok').length;
  const bars = await page.$$eval('rect.bar-pv', (els) =>
    els.map((e) => {
      const b = e.getBoundingClientRect();
      return b.width * b.height;
    }),
  );
  assert.equal(bars.length, measured, 'one page-views bar per measured stage');
  for (const area of bars) assert.ok(area > 0, 'every bar has a non-zero bounding box');
  assert.deepEqual(external, [], 'the report fetches nothing');
  assert.equal(await page.$$eval('script', (s) => s.length), 0);

  if (process.env.FK_SCREENSHOT) {
    // The top of the report (table, throughput, latency, CPU): what a README can show legibly.
    await page.screenshot({
      path: resolve(process.env.FK_SCREENSHOT),
      clip: { x: 0, y: 0, width: 960, height: 2000 },
    });
  }
});
