/**
 * The whole `ladder` command once its options are parsed: data first (seeded if absent, facts
 * read), then every run, then the report's files. cli/ladder.ts only parses and prints.
 */
import type { LadderReport } from '../report/report-types.js';
import type { LadderRun } from '../stages/registry.js';
import { connectTarget, ensureSeeded, readDataFacts } from '../store/database.js';
import { describeTarget } from '../store/db-target.js';
import { DEFAULT_SEED } from '../store/seed.js';
import { defaultDeps } from './default-deps.js';
import type { LadderSettings } from './plan.js';
import { runLadder } from './run-ladder.js';
import type { LadderInput } from './types.js';
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
  /** The last rung on a lab of its own (cli/ladder-fleet.ts); absent: none. */
  fleetRung?: import('./types.js').FleetRungFn;
  /** The load generator runs in this process: its PID separates its CPU from the stack's. */
  self: { pid: number; nodeVersion: string };
}

export async function runLadderJob(
  job: LadderJob,
): Promise<{ report: LadderReport; html: string; json: string; table: string }> {
  const { settings } = job;
  // `--db postgres`: the project's own cluster, started once for every stage and stopped at the end.
  const connected = await connectTarget(settings.db, { log: job.log });
  try {
    const db = connected.target;
    await ensureSeeded(db, {
      users: settings.seedUsers,
      seed: DEFAULT_SEED,
      log: job.log,
      signal: job.signal,
    });
    const data = await readDataFacts(db);
    const postmaster = connected.service;
    job.log(`database: ${describeTarget(db)}`);
    return await ladderRuns(job, {
      db,
      data,
      // The cluster's backends are the postmaster's children: the sampler finds them by parent PID.
      dbProcesses: () => (postmaster?.isRunning() ? [{ role: 'postgres', pid: postmaster.pid }] : []),
    });
  } finally {
    await connected.stop();
  }
}

async function ladderRuns(
  job: LadderJob,
  c: Pick<LadderInput, 'db' | 'data' | 'dbProcesses'>,
): Promise<{ report: LadderReport; html: string; json: string; table: string }> {
  const { settings } = job;
  const { data } = c;
  job.log(
    `ladder: ${job.runs.length} runs × (${settings.warmupMs / 1000} s warm-up + ${settings.durationMs / 1000} s), ` +
      `${settings.connections} virtual users, ${data.users} users; report in ${job.outDir}`,
  );
  const report = await runLadder(
    {
      runs: job.runs,
      settings,
      ...c,
      quick: job.quick,
      outDir: job.outDir,
      log: job.log,
      ...(job.progress ? { progress: job.progress } : {}),
      signal: job.signal,
      ...(job.workers ? { workers: job.workers } : {}),
      ...(job.fleetRung ? { fleetRung: job.fleetRung } : {}),
    },
    defaultDeps(job.self),
  );
  const files = writeReport(job.outDir, report);
  if (job.linkLatest) linkLatest(job.outDir);
  return { report, ...files };
}
