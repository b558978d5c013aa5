import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FkError } from '../errors.js';
import { renderLadderCompare } from '../report/ladder-compare.js';
import { parseLadderReport } from '../report/read-report.js';
import type { Io } from './io.js';

export const COMPARE_USAGE = `flickr-killr ladder compare A/report.json B/report.json

Two ladder reports stage by stage (a regression between two runs, builds or machines): page
views/s and page-load p99 of each, their ratios B/A, and what changed in the diagnosis
(bottleneck A → B) or in the run's status; runs only one report has are listed as such.
A directory stands for its report.json. Exit status: 0 compared, 1 a file is not a report.`;

function read(path: string, io: Io): { name: string; text: string } {
  const full = resolve(io.cwd, path);
  for (const file of [full, `${full}/report.json`]) {
    try {
      return { name: path, text: readFileSync(file, 'utf8') };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR') throw new FkError('E_BAD_REPORT', `cannot read ${path}: ${code ?? e}`);
    }
  }
  throw new FkError('E_BAD_REPORT', `cannot read ${path}`);
}

export async function runLadderCompare(args: string[], io: Io): Promise<number> {
  if (args.length !== 2) throw new FkError('E_USAGE', 'ladder compare takes exactly two report.json files');
  const [a, b] = args.map((p) => {
    const { name, text } = read(p, io);
    return parseLadderReport(text, name);
  });
  io.stdout(renderLadderCompare(a!, b!, args[0]!, args[1]!));
  return 0;
}
