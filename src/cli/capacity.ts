import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runBench } from '../bench/index.js';
import { localTarget } from '../capacity/local-target.js';
import { DEFAULT_MULTIPLIERS } from '../capacity/overload.js';
import { DEFAULT_PROBE } from '../capacity/probe.js';
import { runCapacity } from '../capacity/run-capacity.js';
import { doublingSizes } from '../capacity/scale-out.js';
import { DEFAULT_SEARCH } from '../capacity/search.js';
import { DEFAULT_SLO } from '../capacity/slo.js';
import type { CapacityTarget } from '../capacity/target.js';
import { capacityDir, writeCapacity } from '../capacity/write-capacity.js';
import { FkError } from '../errors.js';
import { DEFAULT_LAB_NAME } from '../lab/naming.js';
import { machineInfo } from '../ladder/machine-info.js';
import { clockTicksPerSecond } from '../proc/stat.js';
import { DEFAULT_FLEET_USERS } from '../stages/fleet/fleet-db.js';
import { loadStage, STAGE_NAMES } from '../stages/registry.js';
import { DEFAULT_PROTECT } from '../stages/stage.js';
import { assertReadyForStage, connectTarget, readDataFacts } from '../store/database.js';
import { describeTarget } from '../store/db-target.js';
import { type CapacityArgs, capacityArgs } from './capacity-args.js';
import { DEFAULT_OWN_LAB_APP_HOSTS, fleetCapacityTarget } from './capacity-fleet.js';
import type { Command, Io } from './io.js';

const USAGE = `flickr-killr capacity [--stage S | --hosts FILE | --lab [NAME]] [--load 10x] [--rate R]
                       [--slo '${DEFAULT_SLO}'] [--protect] [--out DIR]

"Will it hold 10×?" For a target started at sizes 1, 2, 4, … (app processes of a local stage;
app hosts of stage fleet, grown with \`deploy hosts add\`), finds the highest open-loop page-view rate
that meets the SLO (a bounded search: doubling, then bisection within --tolerance; one progress
line per probe), until a shared part (a fleet: a shared host) or the load generator saturates.
Then answers: the target rate (--rate R, or size 1's rate, × --load), the size that sustains it
(measured or extrapolated, labelled), the shared part that saturates first and at what rate,
and what to do. Last, the overload curve at size 1 from 0.5× to 3× its rate —
with --protect also the protected one beside it.

  --stage S           a local stage (size = app processes): ${STAGE_NAMES.filter((n) => n !== 'fleet').join(', ')}
  --lab [NAME]        stage fleet on the lab NAME (default '${DEFAULT_LAB_NAME}'; size = app hosts, CPU
                      per host from its cgroup); with no such lab up, one of its own (needs root):
                      --app-hosts N (default ${DEFAULT_OWN_LAB_APP_HOSTS}), removed at the end
  --hosts FILE        stage fleet on the machines of a hosts file (CPU from /proc/stat over ssh)
  --users N           stage fleet: users seeded into an empty db host (default ${DEFAULT_FLEET_USERS})
  --load F            the factor: 10x (default), 2.5x
  --rate R            our load today in page views/s (default: size 1's sustainable rate)
  --slo CHECKS        bench --expect checks without rate (default '${DEFAULT_SLO}':
                      page load p99, corrected, and failed requests)
  --protect           also measure overload with --protect (at most ${DEFAULT_PROTECT.maxInFlight} requests in flight
                      per app process, fast 503 + Retry-After past it; serve --help)
  --max-in-flight L   --protect's limit (implies --protect); a list (2,4,8) measures one
                      protected curve per limit, side by side (how the default was chosen)
  --sizes LIST        the sizes to measure (default 1,2,4,… up to the target's largest)
  --probe D           measured time of a probe (default ${DEFAULT_PROBE.probeMs / 1000}s); --warmup D before it (default ${DEFAULT_PROBE.warmupMs / 1000}s)
  --max-probes N      probes per size at most (default ${DEFAULT_SEARCH.maxProbes}); --start-rate R (default ${DEFAULT_SEARCH.startRate})
  --tolerance P       bisect until the bracket is within P (default ${DEFAULT_SEARCH.tolerance * 100}%)
  --no-overload       skip the overload curves
  --db PATH|URL|postgres, --sessions db|redis|memcached   as for serve
  --out DIR           report directory (default out/capacity-<timestamp>)

Writes capacity.json (schemas/capacity.schema.json), index.html and table.txt; docs/capacity.md.
Exit status: 0 done, 1 error, 2 bad usage, 130 interrupted (the report of what ran is written).`;

async function run(args: string[], io: Io): Promise<number> {
  const a = capacityArgs(args, io);
  const log = (line: string) => io.stderr(`${line}\n`);
  const outDir = a.out === undefined ? capacityDir(join(io.cwd, 'out')) : resolve(io.cwd, a.out);
  if (a.fleet !== undefined) {
    const f = await fleetCapacityTarget(a.fleet, {
      io,
      outDir,
      log,
      ...(a.users === undefined ? {} : { users: a.users }),
    });
    try {
      return await measure(f.target, a, io, outDir);
    } finally {
      await f.cleanup();
    }
  }
  const stage = await loadStage(a.stage);
  const connected = await connectTarget(a.db, { log });
  try {
    const db = connected.target;
    if (db.kind === 'sqlite' && !existsSync(db.path))
      throw new FkError('E_DB_MISSING', `no database at ${db.path}`, {
        hint: 'Create it first: `flickr-killr seed`.',
      });
    const cores = availableParallelism();
    await assertReadyForStage(db, stage.dbClients({ db, workers: 2 * cores }), 'flickr-killr seed --db …');
    const { users } = await readDataFacts(db);
    log(`database: ${describeTarget(db)}, ${users} users`);
    const postmaster = connected.service;
    const target = localTarget({
      stage,
      db,
      users,
      cores,
      dbProcesses: () => (postmaster?.isRunning() ? [{ role: 'postgres', pid: postmaster.pid }] : []),
      selfPid: process.pid,
      ticksPerS: clockTicksPerSecond(),
      runDir: join(outDir, 'stages'),
      ...(a.sessions === undefined ? {} : { sessions: a.sessions }),
    });
    return await measure(target, a, io, outDir);
  } finally {
    await connected.stop();
  }
}

async function measure(target: CapacityTarget, a: CapacityArgs, io: Io, outDir: string): Promise<number> {
  const report = await runCapacity(
    target,
    {
      slo: a.slo,
      factor: a.factor,
      ...(a.rate === undefined ? {} : { givenRate: a.rate }),
      probe: { ...DEFAULT_PROBE, probeMs: a.probeMs, warmupMs: a.warmupMs },
      search: { ...DEFAULT_SEARCH, maxProbes: a.maxProbes, startRate: a.startRate, tolerance: a.tolerance },
      sizes: a.sizes ?? doublingSizes(target.info.maxSize),
      protect: a.protect,
      multipliers: DEFAULT_MULTIPLIERS,
      overload: a.overload,
    },
    {
      runBench,
      now: () => performance.now(),
      wallNow: () => Date.now(),
      machine: () => machineInfo(process.versions.node),
      log: (line) => io.stderr(`${line}\n`),
      signal: io.signal,
    },
  );
  const files = writeCapacity(outDir, report);
  io.stdout(`\n${files.table}\nReport: ${files.html}\n        ${files.json}\n`);
  return report.interrupted ? 130 : 0;
}

export const command: Command = { usage: USAGE, run };

export { type CapacityArgs, capacityArgs, factorOption, toleranceOption } from './capacity-args.js';
