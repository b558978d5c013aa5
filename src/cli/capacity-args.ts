import { DEFAULT_PROBE } from '../capacity/probe.js';
import { DEFAULT_SEARCH } from '../capacity/search.js';
import { DEFAULT_SLO, parseSlo, type Slo } from '../capacity/slo.js';
import { FkError } from '../errors.js';
import { checkLabName } from '../lab/naming.js';
import { DEFAULT_PROTECT, type ProtectLimits } from '../stages/stage.js';
import { type DbTarget, parseDbTarget } from '../store/db-target.js';
import { durationOption, intOption, parse, problemList, sessionsOption, withLabDefault } from './args.js';
import { DEFAULT_OWN_LAB_APP_HOSTS, type FleetWhere } from './capacity-fleet.js';
import type { Io } from './io.js';

/** `capacity`'s options (cli/capacity.ts has its --help): parsed and checked before anything starts. */
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
  const { problems, checked, throwIfAny } = problemList();
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
  throwIfAny();
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
