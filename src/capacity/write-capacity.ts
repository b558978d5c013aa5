/**
 * The files of a capacity run: capacity.json (the contract, schemas/capacity.schema.json),
 * index.html (for people) and table.txt (what the terminal showed). Each start's stage configs and
 * logs are the stages' own, under stages/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capacityHtml } from '../report/capacity-html.js';
import { capacityTable } from '../report/capacity-table.js';
import type { CapacityReport } from '../report/capacity-types.js';

/** out/capacity-2026-12-01T23-05-09Z: sortable, and valid as a file name everywhere. */
export function capacityDir(root: string, now = new Date()): string {
  return join(
    root,
    `capacity-${now
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replaceAll(':', '-')}`,
  );
}

export function writeCapacity(
  outDir: string,
  report: CapacityReport,
): { json: string; html: string; table: string } {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'capacity.json');
  const html = join(outDir, 'index.html');
  const table = capacityTable(report);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(html, capacityHtml(report));
  writeFileSync(join(outDir, 'table.txt'), table);
  return { json, html, table };
}
