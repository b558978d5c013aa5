/**
 * The ladder's last rung: stage fleet on a lab of its own (lb, 2 app hosts of 0.25 core, cache,
 * sessions, db, each on its own host), benchmarked like every other rung (the ladder's workload,
 * closed loop, its warm-up and duration), diagnosed by HOST; then a SHORT scale-out chart — the
 * sustainable rate with 1 and 2 app hosts. Shorter than `capacity`'s: sizes 1 and 2 only, at most
 * 6 probes of 2 s (0.5 s warm-up) per size from 100/s, bracket within 15 %, a failing rate
 * confirmed once, no overload curve (capacity:
 * 1, 2, 4, … up to 16 probes of 5 s, 10 %, and overload). The size-2 fleet serves both the rung's
 * benchmark and the size-2 search: two fleet starts in all. The lab is removed at the end.
 */
import { join } from 'node:path';
import { defaultLabHosts } from '../lab/default-hosts.js';
import type { LabState } from '../lab/state.js';
import { measureStage } from '../ladder/measure.js';
import { oneLine } from '../ladder/run-stage.js';
import { measuredRun } from '../ladder/summarise.js';
import type { FleetRungFn, LadderDeps, LadderInput } from '../ladder/types.js';
import { writeBenchResult } from '../ladder/write-report.js';
import type { RemoteHost } from '../remote/remote-host.js';
import type { PartUsage } from '../report/capacity-types.js';
import type { FleetScaleOut, StageRunReport } from '../report/report-types.js';
import type { FleetStartOptions, RunningFleet } from '../stages/fleet/start.js';
import { fleetDiagnosis } from './fleet-diagnosis.js';
import { fleetStarter, labFleetHosts } from './fleet-starter.js';
import { fleetTarget, labCpuMeter } from './fleet-target.js';
import { DEFAULT_PROBE, type ProbeDeps, prime, runProbe } from './probe.js';
import { runScaleOut } from './scale-out.js';
import { DEFAULT_SEARCH } from './search.js';
import { DEFAULT_SLO, parseSlo } from './slo.js';
import { hostUsages } from './target.js';

export const RUNG_APP_HOSTS = 2;
export const RUNG_PROBE = { ...DEFAULT_PROBE, probeMs: 2000, warmupMs: 500 };
// From 100/s: 100, 200, 400, 800 ramp, then a confirmation and a bisection. From 50 with 4 probes a
// 0.25-core app host that sustains 400/s was never bracketed (22:06 run, bench/README.md).
export const RUNG_SEARCH = { ...DEFAULT_SEARCH, startRate: 100, maxProbes: 6, tolerance: 0.15 };

/**
 * rate(2) ÷ (2 × rate(1)), only when both sizes are bracketed: a size whose every probe passed has
 * only a lower bound, and a ratio of lower bounds is no efficiency (it read 0.5 for 400 ≥ 400).
 */
export function fleetEfficiency(sizes: FleetScaleOut['sizes']): number | null {
  const one = sizes.find((p) => p.size === 1);
  const two = sizes.find((p) => p.size === 2);
  if (one === undefined || two === undefined || one.sustainableRate <= 0) return null;
  if (one.upperRate === null || two.upperRate === null) return null;
  return Math.round((two.sustainableRate / (2 * one.sustainableRate)) * 1000) / 1000;
}

export interface FleetRungDeps {
  /** Why the lab cannot be made here (not root, a binary missing), with install commands; undefined: it can. */
  unavailable: () => { reason: string; install?: string[] } | undefined;
  labUp: (name: string, hosts: ReturnType<typeof defaultLabHosts>) => Promise<void>;
  labDown: (name: string) => Promise<void>;
  hostsForLab: (name: string) => RemoteHost[];
  labState: (name: string) => LabState;
  startFleet: (o: FleetStartOptions) => Promise<RunningFleet>;
  dataFacts: (url: string) => Promise<{ users: number }>;
  probe: Pick<ProbeDeps, 'runBench' | 'wallNow'>;
  now: () => number;
  labName: string;
}

export function fleetRung(d: FleetRungDeps): FleetRungFn {
  return async (input: LadderInput, deps: LadderDeps): Promise<StageRunReport> => {
    const def = await deps.loadStage('fleet');
    const rep: StageRunReport = {
      id: 'fleet',
      stage: 'fleet',
      label: `fleet (lab: lb, ${RUNG_APP_HOSTS} app hosts, cache, sessions, db)`,
      title: def.title,
      summary: def.summary,
      status: 'skipped',
      baseline: 'memcached',
    };
    const no = d.unavailable();
    if (no !== undefined)
      return { ...rep, reason: no.reason, ...(no.install ? { install: no.install } : {}) };
    if (input.signal.aborted) return { ...rep, reason: 'interrupted before it started' };
    const log = (line: string) => input.log(`  fleet: ${line}`);
    rep.logDir = join('stages', 'fleet');
    try {
      const t0 = Date.now();
      await d.labUp(d.labName, defaultLabHosts(RUNG_APP_HOSTS));
      log(`lab ${d.labName} up in ${Date.now() - t0} ms`);
      return await measureOnLab(rep, input, deps, d, log);
    } catch (e) {
      if (input.signal.aborted) return { ...rep, reason: 'interrupted (Ctrl-C or SIGTERM) during the run' };
      return { ...rep, status: 'failed', reason: oneLine(e) };
    } finally {
      await d.labDown(d.labName).catch((e: unknown) => log(`lab down failed: ${oneLine(e)}`));
    }
  };
}

async function measureOnLab(
  rep: StageRunReport,
  input: LadderInput,
  deps: LadderDeps,
  d: FleetRungDeps,
  log: (line: string) => void,
): Promise<StageRunReport> {
  const hosts = d.hostsForLab(d.labName);
  let rung: StageRunReport | undefined;
  const starter = fleetStarter({
    hosts,
    runDir: join(input.outDir, 'stages', 'fleet'),
    users: input.data.users,
    log,
    dataFacts: d.dataFacts,
    labState: d.labState,
    // The rung's benchmark runs on the size-2 fleet, before that size's search.
    startFleet: async (o) => {
      const fleet = await d.startFleet(o);
      if (o.appHosts === RUNG_APP_HOSTS && rung === undefined) {
        try {
          rung = await benchRung(rep, fleet, input, deps, d, hosts);
          log(`${rung.bench?.rates.pageViewsPerS.toFixed(1)} page views/s — ${rung.diagnosis?.bottleneck}`);
        } catch (e) {
          await fleet.stop();
          throw e;
        }
      }
      return fleet;
    },
  });
  const target = fleetTarget({ name: `lab ${d.labName}`, users: input.data.users, starter });
  const slo = parseSlo(DEFAULT_SLO);
  const probeDeps: ProbeDeps = { ...d.probe, signal: input.signal };
  const curve = await runScaleOut({
    target,
    sizes: [1, RUNG_APP_HOSTS],
    search: RUNG_SEARCH,
    probe: (running, rate) => runProbe(running, target.info.users, rate, slo, RUNG_PROBE, probeDeps),
    prime: (running) => prime(running, target.info.users, RUNG_PROBE, { ...probeDeps, log }),
    deps: { now: d.now, log, signal: input.signal },
  });
  if (rung === undefined)
    return {
      ...rep,
      status: 'failed',
      reason: `no fleet of ${RUNG_APP_HOSTS} app hosts ran (${curve.stopReason})`,
    };
  const sizes = curve.points.map((p) => ({
    size: p.size,
    sustainableRate: p.search.sustainableRate,
    probes: p.search.probes.length,
    upperRate: p.search.upperRate,
    saturated: p.saturated,
  }));
  return {
    ...rung,
    scaleOut: {
      sizes,
      efficiency: fleetEfficiency(sizes),
      stopReason: curve.stopReason,
      probeMs: RUNG_PROBE.probeMs,
      warmupMs: RUNG_PROBE.warmupMs,
      maxProbes: RUNG_SEARCH.maxProbes,
      tolerance: RUNG_SEARCH.tolerance,
      slo: slo.text,
    },
  };
}

async function benchRung(
  rep: StageRunReport,
  fleet: RunningFleet,
  input: LadderInput,
  deps: LadderDeps,
  d: FleetRungDeps,
  hosts: RemoteHost[],
): Promise<StageRunReport> {
  const used = new Set(fleet.plan.hosts.map((h) => h.name));
  const lab = labFleetHosts(hosts, used, d.labState);
  const meter = lab === undefined ? undefined : labCpuMeter(lab);
  const measured = await measureStage('fleet', fleet, input, deps).finally(() => meter?.stop());
  const end = Date.now();
  const parts: PartUsage[] = meter?.window(end - measured.result.durationS * 1000, end)?.parts ?? [];
  const benchFile = writeBenchResult(input.outDir, 'fleet', measured.result);
  const run = { id: 'fleet', stage: 'fleet' as const, label: rep.label, baseline: 'memcached' };
  const r = measuredRun({ ...rep, startMs: Math.round(fleet.timings.totalMs) }, run, measured, {
    connections: input.settings.connections,
    benchFile,
    staticFrom: 'cache',
  });
  if (r.bench === undefined || r.diagnosis === undefined) return r;
  return { ...r, hosts: hostUsages(parts), diagnosis: fleetDiagnosis(r.bench, parts, r.diagnosis) };
}
