/**
 * Writes a ladder report to its directory: report.json (the contract), index.html (for people)
 * and table.txt (what the terminal showed), and points out/latest at it.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ladderHtml } from '../report/ladder-html.js';
import { ladderTable } from '../report/ladder-table.js';
import type { LadderReport } from '../report/report-types.js';

/** out/ladder-2026-11-27T14-05-09Z: sortable, and valid as a file name everywhere. */
export function timestampedDir(root: string, now = new Date()): string {
  return join(
    root,
    `ladder-${now
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replaceAll(':', '-')}`,
  );
}

/** Writes report.json, index.html and table.txt; returns their paths and the table's text (for the terminal). */
export function writeReport(
  outDir: string,
  report: LadderReport,
): { json: string; html: string; table: string } {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'report.json');
  const html = join(outDir, 'index.html');
  const table = ladderTable(report);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(html, ladderHtml(report));
  writeFileSync(join(outDir, 'table.txt'), table);
  return { json, html, table };
}

/** out/latest → the newest report directory (a relative symlink, so the tree can move). */
export function linkLatest(outDir: string): void {
  const link = join(dirname(outDir), 'latest');
  try {
    rmSync(link, { force: true });
    symlinkSync(basename(outDir), link);
  } catch {
    // a file system without symlinks: the timestamped directory is still there
  }
}
