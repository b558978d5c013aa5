/**
 * The restarting FleetStarter of fleet-target.ts: stage fleet at a size = its first N app hosts,
 * RESTARTED per size (startFleet's appHosts). The ladder's short fleet rung uses it: a restart
 * needs nothing but stage fleet and costs ~10 s on the lab, less than a first deploy and a
 * `hosts add`. `capacity` grows its fleet with the deploy tool instead (growing-starter.ts). The
 * db host keeps its data between starts, so only the first start seeds.
 *
 * CPU per host: a lab host from its cgroup on this machine (labCpuMeter, every 250 ms, no ssh);
 * a real machine (--hosts FILE) from its /proc/stat over ssh (the fleet's hostCpu(), once a
 * second), as a share of its cores (the hosts file's `cpu`, else the cores it has).
 */
import { join } from 'node:path';
import type { LabState } from '../lab/state.js';
import type { RemoteHost } from '../remote/remote-host.js';
import type { FleetStartOptions, RunningFleet } from '../stages/fleet/start.js';
import type { HostCpuReading, ProtectLimits } from '../stages/stage.js';
import { type FleetHost, type FleetStarter, hostPart, labCpuMeter } from './fleet-target.js';
import type { MachineSampler } from './machine-sampler.js';
import type { CpuMeter, CpuReading } from './target.js';

export interface FleetStarterOptions {
  hosts: readonly RemoteHost[];
  /** Each start gets its own folder under this one (the configs as written to each host). */
  runDir: string;
  env?: Record<string, string | undefined>;
  /** Seed size when the db host is empty. */
  users?: number;
  cacheDir?: string;
  log?: (line: string) => void;
  /** startFleet (stages/fleet/start.ts); a fake in tests. */
  startFleet: (o: FleetStartOptions) => Promise<RunningFleet>;
  /** Users in the fleet's database (stages/fleet/fleet-db.ts dataFacts); a fake in tests. */
  dataFacts: (url: string) => Promise<{ users: number }>;
  /** The running lab's state (remote/hosts.ts readRunningLab), for its hosts' cgroups. */
  labState?: (name: string) => LabState;
  /** The machine under a lab (machine-sampler.ts), so probes say what other processes used. */
  machine?: MachineSampler;
}

export const appHostCount = (hosts: readonly RemoteHost[]) =>
  hosts.filter((h) => h.roles.includes('app')).length;

export function fleetStarter(o: FleetStarterOptions): FleetStarter {
  let starts = 0;
  return {
    maxSize: appHostCount(o.hosts),
    async start(size, protect) {
      starts += 1;
      const { fleet, users } = await startSized(o, starts, size, protect);
      const used = new Set(fleet.plan.hosts.map((h) => h.name));
      return {
        url: fleet.url,
        users,
        cpu: () => fleetCpuMeter(o, used, () => fleet.hostCpu()),
        stop: () => fleet.stop(),
      };
    },
  };
}

/** Start number `n` of stage fleet on the first `size` app hosts, in its own run folder; its users. */
export async function startSized(
  o: FleetStarterOptions,
  n: number,
  size: number,
  protect: ProtectLimits | undefined,
): Promise<{ fleet: RunningFleet; users: number }> {
  const fleet = await o.startFleet({
    hosts: o.hosts,
    runDir: join(o.runDir, `${String(n).padStart(2, '0')}-fleet-${size}${protect ? '-protect' : ''}`),
    appHosts: size,
    ...(protect === undefined ? {} : { protect }),
    ...(o.env === undefined ? {} : { env: o.env }),
    ...(o.users === undefined ? {} : { users: o.users }),
    ...(o.cacheDir === undefined ? {} : { cacheDir: o.cacheDir }),
    ...(o.log === undefined ? {} : { log: o.log }),
  });
  try {
    return { fleet, users: (await o.dataFacts(fleet.plan.databaseUrl)).users };
  } catch (e) {
    await fleet.stop();
    throw e;
  }
}

/**
 * The CPU meter of a fleet's used hosts: a lab's cgroups read on this machine (with the machine
 * itself when sampled), else `read` (real machines: /proc/stat over ssh).
 */
export function fleetCpuMeter(
  o: Pick<FleetStarterOptions, 'hosts' | 'labState' | 'machine'>,
  used: ReadonlySet<string>,
  read: () => Promise<HostCpuReading[]>,
): CpuMeter {
  const labHosts = labFleetHosts(o.hosts, used, o.labState);
  if (labHosts === undefined) return readingsCpuMeter({ read });
  return labCpuMeter(o.machine === undefined ? labHosts : { ...labHosts, machine: o.machine });
}

/** The used hosts as cgroups of one lab, or undefined when any is not a lab host (real machines). */
export function labFleetHosts(
  hosts: readonly RemoteHost[],
  used: ReadonlySet<string>,
  labState: ((name: string) => LabState) | undefined,
): { layout: LabState['cgroupLayout']; hosts: FleetHost[] } | undefined {
  const mine = hosts.filter((h) => used.has(h.name));
  const lab = mine[0]?.lab?.lab;
  if (lab === undefined || labState === undefined || mine.some((h) => h.lab?.lab !== lab)) return undefined;
  const state = labState(lab);
  const out: FleetHost[] = [];
  for (const h of mine) {
    const s = state.hosts.find((x) => x.name === h.name);
    if (s === undefined) return undefined;
    out.push({ name: h.name, roles: h.roles, cpu: s.cpu, cgroup: s.cgroup });
  }
  return { layout: state.cgroupLayout, hosts: out };
}

/** Every host's mean cores between two readings (same hosts), against its quota. Pure. */
export function readingParts(
  a: readonly HostCpuReading[],
  b: readonly HostCpuReading[],
): CpuReading['parts'] {
  return b.map((rb) => {
    const ra = a.find((x) => x.host === rb.host);
    const elapsedUs = ra === undefined ? 0 : (rb.atMs - ra.atMs) * 1000;
    const used = ra === undefined || elapsedUs <= 0 ? 0 : Math.max(0, rb.usageUs - ra.usageUs) / elapsedUs;
    const part = hostPart(
      { name: rb.host, roles: [...rb.roles] as FleetHost['roles'], cpu: rb.quota, cgroup: '' },
      used,
    );
    return rb.bootTimeS === undefined ? part : { ...part, kernel: `btime ${rb.bootTimeS}` };
  });
}

interface Sample {
  wallMs: number;
  readings: HostCpuReading[];
}

/**
 * Samples readings (ssh: one `cat /proc/stat` per host, over its kept-open connection) once a
 * second until stopped; window() takes the samples nearest its ends (epoch ms, as the probe asks).
 * A sample that fails (a host cut off) is skipped: the others still count.
 */
export function readingsCpuMeter(o: {
  read: () => Promise<HostCpuReading[]>;
  intervalMs?: number;
  now?: () => number;
}): CpuMeter {
  const now = o.now ?? Date.now;
  const samples: Sample[] = [];
  let busy = false;
  const take = () => {
    if (busy) return;
    busy = true;
    o.read()
      .then((readings) => {
        samples.push({ wallMs: now(), readings });
      })
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  };
  take();
  const timer = setInterval(take, o.intervalMs ?? 1000);
  timer.unref();
  return {
    window: (fromMs, toMs) => {
      if (samples.length < 2 || toMs <= fromMs) return undefined;
      const nearest = (t: number) =>
        samples.reduce((best, s) => (Math.abs(s.wallMs - t) < Math.abs(best.wallMs - t) ? s : best));
      const b = nearest(toMs);
      let a = nearest(fromMs);
      // A window not much longer than the interval can find one sample nearest both ends (a 1 s
      // probe sampled once a second): then the interval before it, shifted but measured.
      if (b.wallMs <= a.wallMs) a = samples[samples.indexOf(b) - 1] ?? a;
      if (b.wallMs <= a.wallMs) return undefined;
      return { parts: readingParts(a.readings, b.readings), generatorCores: null };
    },
    stop: () => clearInterval(timer),
  };
}
