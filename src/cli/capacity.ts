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
import { DEFAULT_SLO, parseSlo, type Slo } from '../capacity/slo.js';
import type { CapacityTarget } from '../capacity/target.js';
import { capacityDir, writeCapacity } from '../capacity/write-capacity.js';
import { FkError } from '../errors.js';
import { checkLabName, DEFAULT_LAB_NAME } from '../lab/naming.js';
import { machineInfo } from '../ladder/machine-info.js';
import { clockTicksPerSecond } from '../proc/stat.js';
import { DEFAULT_FLEET_USERS } from '../stages/fleet/fleet-db.js';
import { loadStage, STAGE_NAMES } from '../stages/registry.js';
import { DEFAULT_PROTECT, type ProtectLimits } from '../stages/stage.js';
import { assertReadyForStage, connectTarget, readDataFacts } from '../store/database.js';
import { type DbTarget, describeTarget, parseDbTarget } from '../store/db-target.js';
import { durationOption, intOption, parse, sessionsOption } from './args.js';
import { DEFAULT_OWN_LAB_APP_HOSTS, type FleetWhere, fleetCapacityTarget } from './capacity-fleet.js';
import type { Command, Io } from './io.js';
import { withLabDefault } from './serve.js';

const USAGE = `flickr-killr capacity [--stage S | --hosts FILE | --lab [NAME]] [--load 10x] [--rate R]
                       [--slo '${DEFAULT_SLO}'] [--protect] [--out DIR]

"Will it hold 10×?" For a target started at sizes 1, 2, 4, … (app processes of a local stage;
app hosts of stage fleet, restarted at each size), finds the highest open-loop page-view rate that meets the SLO (a bounded search: doubling, then
bisection within --tolerance; one progress line per probe), until a shared part or the load
generator saturates. Then answers: the target rate (--rate R, or size 1's rate, × --load), the
size that sustains it (measured or extrapolated, labelled), the shared part that saturates first
and at what rate, and what to do. Last, the overload curve at size 1 from 0.5× to 3× its rate —
with --protect also the protected one beside it.

  --stage S           a local stage (size = app processes): ${STAGE_NAMES.join(', ')}
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

export interface CapacityArgs {
  /** A local stage's name; 'fleet' with `fleet`. */
  stage: string;
  fleet?: FleetWhere;
  users?: number;
  factor: number;
  rate?: number;
  slo: Slo;
  protect: ProtectLimits[];
  sizes?: number[];
  probeMs: number;
  warmupMs: number;
  maxProbes: number;
  startRate: number;
  tolerance: number;
  overload: boolean;
  db: DbTarget;
  sessions?: ReturnType<typeof sessionsOption>;
  out?: string;
}

/** Every option checked, every problem reported at once (E_USAGE), before anything starts. */
export function capacityArgs(args: string[], io: Pick<Io, 'env' | 'cwd'>): CapacityArgs {
  const { values } = parse(withLabDefault(args), {
    stage: { type: 'string' },
    hosts: { type: 'string' },
    lab: { type: 'string' },
    'app-hosts': { type: 'string' },
    users: { type: 'string' },
    load: { type: 'string' },
    rate: { type: 'string' },
    slo: { type: 'string' },
    protect: { type: 'boolean' },
    'max-in-flight': { type: 'string' },
    sizes: { type: 'string' },
    probe: { type: 'string' },
    warmup: { type: 'string' },
    'max-probes': { type: 'string' },
    'start-rate': { type: 'string' },
    tolerance: { type: 'string' },
    'no-overload': { type: 'boolean' },
    db: { type: 'string' },
    sessions: { type: 'string' },
    out: { type: 'string' },
  });
  const where = [values.stage !== undefined, values.hosts !== undefined, values.lab !== undefined].filter(
    Boolean,
  ).length;
  if (where > 1) throw new FkError('E_USAGE', 'capacity takes one of --stage, --hosts, --lab');
  const fleet = values.hosts !== undefined || values.lab !== undefined;
  const problems: string[] = [];
  const checked = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      problems.push((e as Error).message);
      return undefined;
    }
  };
  if (values.stage === undefined && !fleet)
    problems.push('capacity needs --stage S (or --hosts FILE / --lab)');
  if (values.stage === 'fleet') problems.push('stage fleet is measured with --lab [NAME] or --hosts FILE');
  if (fleet && (values.db !== undefined || values.sessions !== undefined))
    problems.push('stage fleet brings its own database (db host) and sessions (Redis): drop --db/--sessions');
  if (!fleet && (values['app-hosts'] !== undefined || values.users !== undefined))
    problems.push('--app-hosts and --users are for --lab / --hosts');
  if (values.hosts !== undefined && values['app-hosts'] !== undefined)
    problems.push('--app-hosts sizes a lab of its own (--lab); a hosts file lists its app hosts');
  const lab = checked(() => {
    if (values.lab === undefined) return undefined;
    try {
      return checkLabName(values.lab);
    } catch (e) {
      throw new Error((e as Error).message.replace('--name', '--lab NAME'));
    }
  });
  const ownAppHosts = checked(() => intOption(values['app-hosts'], 'app-hosts', 1, 20));
  const users = checked(() => intOption(values.users, 'users', 10, 10_000_000));
  if (values.stage === 'cgi' && (values.protect || values['max-in-flight'] !== undefined))
    problems.push('--protect has no app process to bound in stage cgi');
  const factor = checked(() => factorOption(values.load));
  const rate = checked(() => positive(values.rate, 'rate'));
  const slo = checked(() => parseSlo(values.slo ?? DEFAULT_SLO));
  const maxInFlight = checked(() =>
    values['max-in-flight']?.split(',').map((n) => intOption(n.trim(), 'max-in-flight', 1, 100_000)!),
  );
  const sizes = checked(() =>
    values.sizes === undefined
      ? undefined
      : values.sizes.split(',').map((s) => intOption(s.trim(), 'sizes', 1, 256)!),
  );
  const probeMs = checked(() => durationOption(values.probe, 'probe'));
  const warmupMs = checked(() => durationOption(values.warmup, 'warmup'));
  if (probeMs !== undefined && probeMs < 200) problems.push('--probe must be at least 200ms');
  const maxProbes = checked(() => intOption(values['max-probes'], 'max-probes', 1, 100));
  const startRate = checked(() => positive(values['start-rate'], 'start-rate'));
  const tolerance = checked(() => toleranceOption(values.tolerance));
  const sessions = checked(() => sessionsOption(values.sessions));
  const db = checked(() => parseDbTarget(values.db, { env: io.env, cwd: io.cwd }));
  if (problems.length > 0) throw new FkError('E_USAGE', problems.join('; '));
  const protect =
    maxInFlight !== undefined
      ? [...new Set(maxInFlight)].map((n) => ({ maxInFlight: n }))
      : values.protect === true
        ? [DEFAULT_PROTECT]
        : [];
  return {
    stage: values.stage ?? 'fleet',
    ...(values.hosts !== undefined ? { fleet: { kind: 'hosts' as const, file: values.hosts } } : {}),
    ...(lab !== undefined
      ? { fleet: { kind: 'lab' as const, lab, appHosts: ownAppHosts ?? DEFAULT_OWN_LAB_APP_HOSTS } }
      : {}),
    ...(users === undefined ? {} : { users }),
    factor: factor ?? 10,
    ...(rate === undefined ? {} : { rate }),
    slo: slo!,
    protect,
    ...(sizes === undefined ? {} : { sizes: [...new Set(sizes)].sort((a, b) => a - b) }),
    probeMs: probeMs ?? DEFAULT_PROBE.probeMs,
    warmupMs: warmupMs ?? DEFAULT_PROBE.warmupMs,
    maxProbes: maxProbes ?? DEFAULT_SEARCH.maxProbes,
    startRate: startRate ?? DEFAULT_SEARCH.startRate,
    tolerance: tolerance ?? DEFAULT_SEARCH.tolerance,
    overload: values['no-overload'] !== true,
    db: db!,
    ...(sessions === undefined ? {} : { sessions }),
    ...(values.out === undefined ? {} : { out: values.out }),
  };
}

/** '10x', '10', '2.5x' → the factor. */
export function factorOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)x?$/i.exec(v.trim());
  const f = m ? Number(m[1]) : Number.NaN;
  if (!(f > 0) || f > 10_000)
    throw new FkError('E_USAGE', `--load takes a factor like 10x or 2.5x, got '${v}'`);
  return f;
}

function positive(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN;
  if (!(n > 0) || n > 1e7)
    throw new FkError('E_USAGE', `--${name} takes page views per second (> 0), got '${v}'`);
  return n;
}

/** '10%', '0.1' → 0.1 (between 1 % and 100 %). */
export function toleranceOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(v.trim());
  const t = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
  if (!(t >= 0.01 && t <= 1))
    throw new FkError('E_USAGE', `--tolerance takes 1% to 100% (or 0.01 to 1), got '${v}'`);
  return t;
}

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
