/**
 * Stage fleet as a capacity target: size = app hosts, every host's CPU against its quota from its
 * own cgroup (as `lab status` reads it) or, on real machines, from its /proc/stat, the lb, cache,
 * sessions and db hosts as the shared parts.
 *
 * Here: the CPU half — labCpuMeter() samples each lab host's cgroup over a probe's window and
 * fleetParts() turns the samples into parts — and fleetTarget(), which composes it with a
 * FleetStarter (growing-starter.ts: stage fleet started once and grown by `deploy hosts add`;
 * fleet-starter.ts: restarted at each size on the first N app hosts; either way `protect` reaches
 * every app host's AppProcessSpec and the lb's nginx.conf).
 */
import { existsSync, readFileSync } from 'node:fs';
import { type CgroupLayout, sampleCgroup } from '../lab/cgroup.js';
import type { Role } from '../lab/host-spec.js';
import type { PartRole, PartUsage } from '../report/capacity-types.js';
import type { ProtectLimits } from '../stages/stage.js';
import { OTHER_PROCESSES } from './local-parts.js';
import { type MachineSample, type MachineSampler, machineCores } from './machine-sampler.js';
import type { CapacityTarget, CpuMeter, CpuReading, RunningTarget } from './target.js';

export interface FleetHost {
  name: string;
  roles: Role[];
  /** Its CPU quota, in cores (the hosts file's `cpu`). */
  cpu: number;
  /** Its cgroup, relative to each hierarchy (LabHostState.cgroup). */
  cgroup: string;
}

/** Cumulative CPU of every host at one instant (cgroup usage, µs). */
export interface FleetSample {
  atMs: number;
  usageUs: Map<string, number>;
  /** The machine under the lab, when the meter samples it. */
  machine?: MachineSample | undefined;
}

const SHARED_ORDER: readonly Role[] = ['lb', 'db', 'cache', 'sessions'];

/**
 * A host is shared unless all it does is `app`: an lb, cache, sessions or db host serves every
 * request whatever the number of app hosts. Its role is its first shared role in that order.
 */
export function hostPart(h: FleetHost, usedCores: number): PartUsage {
  const shared = SHARED_ORDER.find((r) => h.roles.includes(r));
  return {
    name: h.name,
    role: (shared ?? 'app') as PartRole,
    shared: shared !== undefined,
    usedCores: Math.round(usedCores * 1000) / 1000,
    budgetCores: h.cpu,
    roles: [...h.roles],
  };
}

/** Every host's mean cores between two samples, against its quota. Pure. */
export function fleetParts(hosts: FleetHost[], a: FleetSample, b: FleetSample): PartUsage[] {
  const elapsedUs = Math.max(1, (b.atMs - a.atMs) * 1000);
  return hosts.map((h) =>
    hostPart(h, Math.max(0, (b.usageUs.get(h.name) ?? 0) - (a.usageUs.get(h.name) ?? 0)) / elapsedUs),
  );
}

export interface LabMeterOptions {
  layout: CgroupLayout;
  hosts: FleetHost[];
  read?: (path: string) => string;
  intervalMs?: number;
  now?: () => number;
  /**
   * The machine the lab runs on (machine-sampler.ts): with it, every window also says what other
   * processes used (a part of role 'other', never shared, as a local stage's) and the generator's
   * cores — so the answer can say when the box was busy with something else.
   */
  machine?: MachineSampler;
}

/**
 * Samples every host's cgroup until stopped; window() answers for any part of the run (the probe's
 * warm-up is cut off afterwards), from the samples nearest its ends. The lab's cgroups are on this
 * machine, so reading them costs a file read per host, no SSH; the generator is in no host's cgroup.
 */
export function labCpuMeter(o: LabMeterOptions): CpuMeter {
  const read = o.read ?? ((p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : ''));
  const now = o.now ?? Date.now;
  const samples: FleetSample[] = [];
  const take = () => {
    const usageUs = new Map<string, number>();
    for (const h of o.hosts) usageUs.set(h.name, sampleCgroup(o.layout, h.cgroup, read).usageUs);
    samples.push({ atMs: now(), usageUs, machine: o.machine?.() });
  };
  take();
  const timer = setInterval(take, o.intervalMs ?? 250);
  timer.unref();
  return {
    window: (fromMs, toMs): CpuReading | undefined => {
      if (samples.length < 2) take();
      const nearest = (t: number) =>
        samples.reduce((best, s) => (Math.abs(s.atMs - t) < Math.abs(best.atMs - t) ? s : best));
      const a = nearest(fromMs);
      const b = nearest(toMs);
      if (b.atMs <= a.atMs) return undefined;
      const parts = fleetParts(o.hosts, a, b);
      const labCores = parts.reduce((sum, p) => sum + p.usedCores, 0);
      const m = a.machine && b.machine ? machineCores(a.machine, b.machine, labCores) : undefined;
      if (m === undefined) return { parts, generatorCores: null };
      const other: PartUsage = {
        name: OTHER_PROCESSES,
        role: 'other',
        shared: false,
        usedCores: m.otherCores,
        budgetCores: m.cores,
      };
      return { parts: [...parts, other], generatorCores: m.generatorCores };
    },
    stop: () => {
      clearInterval(timer);
      take();
    },
  };
}

/**
 * What only stage fleet can do: run the fleet at a size — restarted per size (fleet-starter.ts)
 * or grown and shrunk with the deploy tool (growing-starter.ts). A size's stop() ends that size:
 * the restarting starter stops the fleet, the growing one keeps it for the next size and stops it
 * in close().
 */
export interface FleetStarter {
  maxSize: number;
  start(
    size: number,
    protect: ProtectLimits | undefined,
  ): Promise<{
    url: string;
    /** Users in the fleet's database (the workload views /users/{1..users}). */
    users?: number;
    cpu(): CpuMeter;
    stop(): Promise<void>;
  }>;
}

export function fleetTarget(o: { name: string; users: number; starter: FleetStarter }): CapacityTarget {
  const info: CapacityTarget['info'] = {
    kind: 'fleet',
    name: o.name,
    sizeUnit: 'app hosts',
    maxSize: o.starter.maxSize,
    // The fleet's lb answers /static from memcached first, as stage memcached (issue 10).
    staticFrom: 'cache',
    users: o.users,
  };
  return {
    info,
    async start(size, { protect }): Promise<RunningTarget> {
      const f = await o.starter.start(size, protect);
      // A lab seeded earlier keeps its size: the workload follows what the db host holds.
      if (f.users !== undefined && f.users > 0) info.users = f.users;
      return { size, url: f.url, cpu: () => f.cpu(), stop: () => f.stop() };
    },
  };
}
