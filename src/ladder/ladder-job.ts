/**
 * The whole `ladder` command once its options are parsed: data first (seeded if absent, facts
 * read), then every run, then the report's files. cli/ladder.ts only parses and prints.
 */
import type { LadderReport } from '../report/report-types.js';
import type { LadderRun } from '../stages/registry.js';
import { ensureSeeded, readDataFacts } from './data.js';
import { defaultDeps } from './default-deps.js';
import type { LadderSettings } from './plan.js';
import { runLadder } from './run-ladder.js';
import { linkLatest, writeReport } from './write-report.js';

export interface LadderJob {
  runs: LadderRun[];
  settings: LadderSettings;
  quick: boolean;
  outDir: string;
  /** Point out/latest at this report (when the directory is the default timestamped one). */
  linkLatest: boolean;
  workers?: number;
  log: (line: string) => void;
  progress?: (line: string) => void;
  signal: AbortSignal;
  /** The load generator runs in this process: its PID separates its CPU from the stack's. */
  self: { pid: number; nodeVersion: string };
}

export async function runLadderJob(
  job: LadderJob,
): Promise<{ report: LadderReport; html: string; json: string; table: string }> {
  const { settings } = job;
  ensureSeeded(settings.dbPath, settings.seedUsers, job.log);
  const data = readDataFacts(settings.dbPath);
  job.log(
    `ladder: ${job.runs.length} runs × (${settings.warmupMs / 1000} s warm-up + ${settings.durationMs / 1000} s), ` +
      `${settings.connections} virtual users, ${data.users} users; report in ${job.outDir}`,
  );
  const report = await runLadder(
    {
      runs: job.runs,
      settings,
      data,
      quick: job.quick,
      outDir: job.outDir,
      log: job.log,
      ...(job.progress ? { progress: job.progress } : {}),
      signal: job.signal,
      ...(job.workers ? { workers: job.workers } : {}),
    },
    defaultDeps(job.self),
  );
  const files = writeReport(job.outDir, report);
  if (job.linkLatest) linkLatest(job.outDir);
  return { report, ...files };
}
