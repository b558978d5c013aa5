/**
 * The whole `capacity` run once its target is built: the scale-out curve (a search per size), the
 * answer, then the overload curves at size 1 — unprotected, and with --protect beside it. The
 * benchmark, the clocks and the log are parameters, so a unit test runs all of it on a fake
 * target with fake bench results. cli/capacity.ts builds the target and prints.
 */
import {
  CAPACITY_REPORT_VERSION,
  type CapacityReport,
  type OverloadCurve,
} from '../report/capacity-types.js';
import type { MachineInfo } from '../report/report-types.js';
import type { ProtectLimits } from '../stages/stage.js';
import { answer } from './answer.js';
import { runOverload } from './overload.js';
import { type BenchFn, type ProbeSettings, prime, runProbe } from './probe.js';
import { runScaleOut } from './scale-out.js';
import type { SearchParams } from './search.js';
import type { Slo } from './slo.js';
import type { CapacityTarget, RunningTarget } from './target.js';

export interface CapacityOptions {
  slo: Slo;
  /** --load 10x */
  factor: number;
  /** --rate R: our load today. */
  givenRate?: number;
  probe: ProbeSettings;
  search: SearchParams;
  sizes: number[];
  /** --protect: the overload curve is measured again with each of these limits (usually one). */
  protect: ProtectLimits[];
  multipliers: readonly number[];
  overload: boolean;
}

export interface CapacityDeps {
  runBench: BenchFn;
  /** Monotonic milliseconds (durations). */
  now: () => number;
  /** Epoch milliseconds (timestamps, the CPU samplers' clock). */
  wallNow: () => number;
  machine: () => Promise<MachineInfo>;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export async function runCapacity(
  target: CapacityTarget,
  o: CapacityOptions,
  deps: CapacityDeps,
): Promise<CapacityReport> {
  const startedAt = new Date(deps.wallNow()).toISOString();
  const info = target.info;
  const sizes = o.sizes.filter((s) => s <= info.maxSize);
  const perProbeS = (o.probe.warmupMs + o.probe.probeMs) / 1000;
  deps.log(
    `capacity of ${info.kind} ${info.name}: sizes ${sizes.join(', ')} (${info.sizeUnit}); SLO ${o.slo.text}; ` +
      `each size at most ${o.search.maxProbes} probes of ${perProbeS} s (${o.probe.warmupMs / 1000} s warm-up + ${o.probe.probeMs / 1000} s), ` +
      `bracket within ${Math.round(o.search.tolerance * 100)} %`,
  );
  const probeDeps = {
    runBench: deps.runBench,
    wallNow: deps.wallNow,
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  const probe = (running: RunningTarget, rate: number) =>
    runProbe(running, info.users, rate, o.slo, o.probe, probeDeps);
  const primeIt = (running: RunningTarget) =>
    prime(running, info.users, o.probe, { ...probeDeps, log: deps.log });
  const machine = await deps.machine();
  const { points, stopReason } = await runScaleOut({
    target,
    sizes,
    search: o.search,
    probe,
    prime: primeIt,
    deps: { now: deps.now, log: deps.log, ...(deps.signal ? { signal: deps.signal } : {}) },
  });
  deps.log(`scale-out stops: ${stopReason}`);
  const ans = answer({
    points,
    target: info,
    factor: o.factor,
    ...(o.givenRate === undefined ? {} : { givenRate: o.givenRate }),
  });
  const overload: OverloadCurve[] = [];
  const baseRate = points.find((p) => p.size === 1)?.search.sustainableRate ?? 0;
  if (o.overload && baseRate > 0) {
    const common = {
      target,
      size: 1,
      baseRate,
      multipliers: o.multipliers,
      probe,
      prime: primeIt,
      log: deps.log,
    };
    const signal = deps.signal ? { signal: deps.signal } : {};
    if (!deps.signal?.aborted) overload.push(await runOverload({ ...common, ...signal }));
    for (const protect of o.protect)
      if (!deps.signal?.aborted) overload.push(await runOverload({ ...common, ...signal, protect }));
  } else if (o.overload) deps.log('overload: skipped (size 1 sustained no rate to multiply)');
  return {
    schemaVersion: CAPACITY_REPORT_VERSION,
    kind: 'flickr-killr-capacity',
    startedAt,
    finishedAt: new Date(deps.wallNow()).toISOString(),
    interrupted: deps.signal?.aborted === true,
    target: {
      kind: info.kind,
      name: info.name,
      sizeUnit: info.sizeUnit,
      maxSize: info.maxSize,
      users: info.users,
    },
    options: {
      slo: o.slo.text,
      factor: o.factor,
      rate: o.givenRate ?? null,
      probeMs: o.probe.probeMs,
      warmupMs: o.probe.warmupMs,
      tolerance: o.search.tolerance,
      maxProbes: o.search.maxProbes,
      startRate: o.search.startRate,
      sizes,
      protect: o.protect.length > 0,
      maxInFlight: o.protect.map((p) => p.maxInFlight),
      multipliers: [...o.multipliers],
    },
    machine,
    scaleOut: points,
    stopReason,
    answer: ans,
    overload,
  };
}
