/**
 * Every file of a ladder report is written here: each run's bench result as it is measured
 * (bench/<run>.json), then report.json (the contract), index.html (for people) and table.txt (what
 * the terminal showed), and out/latest pointing at it. Stage configs and logs are the stages' own,
 * under stages/<run>/.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { BenchResultCore } from '../bench/index.js';
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

/** Writes one run's full bench result; returns its path relative to the report directory. */
export function writeBenchResult(outDir: string, runId: string, result: BenchResultCore): string {
  const rel = join('bench', `${runId}.json`);
  mkdirSync(join(outDir, 'bench'), { recursive: true });
  writeFileSync(join(outDir, rel), `${JSON.stringify(result, null, 2)}\n`);
  return rel;
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
