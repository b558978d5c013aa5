import { join, resolve } from 'node:path';
import { FkError } from '../errors.js';
import { runLadderJob } from '../ladder/ladder-job.js';
import { ALL_RUN_IDS, defaultSettings, planRuns, QUICK_PG_DATA_DIR } from '../ladder/plan.js';
import { timestampedDir } from '../ladder/write-report.js';
import { parseDbTarget } from '../store/db-target.js';
import { durationOption, intOption, parse } from './args.js';
import type { Command, Io } from './io.js';
import { COMPARE_USAGE, runLadderCompare } from './ladder-compare.js';
import { ladderFleetRung } from './ladder-fleet.js';

const USAGE = `flickr-killr ladder [--quick] [--stages a,b,c] [--duration 20s] [--warmup 3s]
                    [--connections N] [--workers N] [--db PATH] [--users N] [--out DIR]

Runs the talk's ladder: for each stage (${ALL_RUN_IDS.join(', ')}) start it, smoke-check it,
warm it up, benchmark it with the same browser-like workload (logged-in virtual users fetching
/users/<id> and all its assets), stop it; then diagnose each stage's bottleneck from /proc CPU,
Server-Timing and the generator's own CPU. Seeds the database first if it is absent.

  --quick           500 users in data/quick.db, 3 s per stage (tests, CI)
  --stages LIST     only these runs, e.g. cgi,single,memcached-noindex
  --duration D      measured time per stage (default 20s; quick 3s)
  --warmup D        warm-up per stage, not measured (default 3s; quick 1s)
  --connections N   virtual users, the same for every stage (default 16; quick 8)
  --workers N       app processes of multi-process stages (default: cores)
  --db PATH|URL|postgres
                    database: a SQLite file (default data/flickr-killr.db; quick data/quick.db),
                    a postgres:// URL of your server, or 'postgres': the project's own cluster
                    (data/pg; quick data/pg-quick), started for the run; DATABASE_URL if absent
  --users N         users to seed when the database is absent
  --fleet           end with the fleet rung (the default without --quick when root): stage
                    fleet on a lab of its own (lb, 2 app hosts of 0.25 core, cache, sessions,
                    db), diagnosed by host, and a short scale-out chart (1 and 2 app hosts);
                    about 2 more minutes. Without root it says why it skipped
  --no-fleet        no fleet rung
  --out DIR         report directory (default out/ladder-<timestamp>, linked as out/latest)

Writes report.json (schemas/ladder-report.schema.json), index.html and table.txt.
Exit status: 0 all measured, 1 a stage failed, 130 interrupted.`;

const OPTIONS = {
  quick: { type: 'boolean' },
  stages: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  connections: { type: 'string', short: 'c' },
  workers: { type: 'string' },
  db: { type: 'string' },
  users: { type: 'string' },
  out: { type: 'string' },
  fleet: { type: 'boolean' },
  'no-fleet': { type: 'boolean' },
} as const;

/**
 * The talk's last step, past one machine, ends the full ladder; --quick (tests, CI) asks for it
 * with --fleet. `start` asks the same question of its arguments (to install the lab's packages).
 */
function fleetRungWanted(values: { quick?: boolean; fleet?: boolean; 'no-fleet'?: boolean }): boolean {
  return values.fleet ?? (values.quick !== true && values['no-fleet'] !== true);
}

/** fleetRungWanted of a ladder command line (bad options: false; the ladder itself reports them). */
export function ladderArgsWantFleet(args: string[]): boolean {
  try {
    return fleetRungWanted(parse(args, OPTIONS).values);
  } catch {
    return false;
  }
}

export async function runLadderCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, OPTIONS);
  if (values.fleet === true && values['no-fleet'] === true)
    throw new FkError('E_USAGE', '--fleet and --no-fleet contradict each other');
  const quick = values.quick === true;
  const base = defaultSettings(quick, io.cwd);
  const settings = {
    ...base,
    db:
      values.db === undefined && io.env.DATABASE_URL === undefined
        ? base.db
        : parseDbTarget(values.db, {
            env: io.env,
            cwd: io.cwd,
            ...(quick ? { ownDataDir: QUICK_PG_DATA_DIR } : {}),
          }),
    seedUsers: intOption(values.users, 'users', 1, 10_000_000) ?? base.seedUsers,
    connections: intOption(values.connections, 'connections', 1, 10_000) ?? base.connections,
    durationMs: durationOption(values.duration, 'duration') ?? base.durationMs,
    warmupMs: durationOption(values.warmup, 'warmup') ?? base.warmupMs,
  };
  const workers = intOption(values.workers, 'workers', 1, 64);
  const runs = planRuns(values.stages?.split(','));
  const log = (line: string) => io.stderr(`${line}\n`);

  const outDir = values.out === undefined ? timestampedDir(join(io.cwd, 'out')) : resolve(io.cwd, values.out);
  const { report, ...files } = await runLadderJob({
    runs,
    settings,
    quick,
    outDir,
    linkLatest: values.out === undefined,
    log: io.isTTY ? (line) => io.stderr(`\r\x1b[K${line}\n`) : log,
    // A status line rewritten in place on a terminal; nothing in logs and CI.
    ...(io.isTTY ? { progress: (line: string) => io.stderr(`\r\x1b[K${line}`) } : {}),
    signal: io.signal,
    ...(workers ? { workers } : {}),
    ...(fleetRungWanted(values) ? { fleetRung: ladderFleetRung(log) } : {}),
    self: { pid: process.pid, nodeVersion: process.versions.node },
  });
  io.stdout(`\n${files.table}\nReport: ${files.html}\n        ${files.json}\n`);
  if (report.interrupted) return 130;
  return report.runs.some((r) => r.status === 'failed') ? 1 : 0;
}

export const command: Command = {
  usage: `${USAGE}\n\n${COMPARE_USAGE}`,
  run: (args, io) =>
    args[0] === 'compare' ? runLadderCompare(args.slice(1), io) : runLadderCommand(args, io),
};
