import { existsSync } from 'node:fs';
import { sampleCgroup } from '../../lab/cgroup.js';
import { readText } from '../../lab/cgroup-fs.js';
import type { LabState } from '../../lab/state.js';
import { readRunningLab } from '../../remote/hosts.js';
import type { Remote } from '../../remote/remote.js';
import type { RemoteHost } from '../../remote/remote-host.js';
import type { HostCpuReading } from '../stage.js';
import type { HostFacts } from './host-facts.js';

/**
 * CPU per host, for the capacity command: cumulative counters now; two readings around a run give
 * cores used = Δusage / Δtime against the quota. A lab host is its cgroup, read from this
 * machine's /sys/fs/cgroup (no ssh: the hosts cannot see their own limits), the same counters as
 * `lab status`; a real machine is its /proc/stat over ssh (all CPUs but idle and iowait).
 */
export type CpuReader = () => Promise<HostCpuReading[]>;

export function hostCpuReader(
  hosts: readonly RemoteHost[],
  remotes: ReadonlyMap<string, Remote>,
  facts: Readonly<Record<string, HostFacts>>,
): CpuReader {
  const labs = new Map<string, LabState>();
  for (const h of hosts)
    if (h.lab !== undefined && !labs.has(h.lab.lab)) labs.set(h.lab.lab, readRunningLab(h.lab.lab));
  return () =>
    Promise.all(
      hosts.map(async (h): Promise<HostCpuReading> => {
        const state = h.lab === undefined ? undefined : labs.get(h.lab.lab);
        const labHost = state?.hosts.find((x) => x.name === h.name);
        if (state !== undefined && labHost !== undefined) {
          const read = (p: string) => (existsSync(p) ? readText(p) : '');
          const s = sampleCgroup(state.cgroupLayout, labHost.cgroup, read);
          return {
            host: h.name,
            roles: h.roles,
            quota: labHost.cpu,
            usageUs: s.usageUs,
            throttledUs: s.throttledUs,
            atMs: performance.now(),
          };
        }
        const r = await remotes.get(h.name)!.exec(['cat', '/proc/stat'], { timeoutMs: 10_000 });
        const atMs = performance.now();
        return {
          host: h.name,
          roles: h.roles,
          quota: h.cpu ?? facts[h.name]?.cores ?? 1,
          usageUs: procStatBusyUs(r.stdout),
          throttledUs: 0,
          atMs,
          ...bootTime(r.stdout),
        };
      }),
    );
}

/** proc(5) `btime`: when the kernel booted. The same on two hosts: one kernel, one machine's CPU. */
export function procStatBootTime(text: string): number | undefined {
  const m = /^btime\s+(\d+)\s*$/m.exec(text);
  return m === null ? undefined : Number(m[1]);
}

function bootTime(text: string): { bootTimeS?: number } {
  const b = procStatBootTime(text);
  return b === undefined ? {} : { bootTimeS: b };
}

/** USER_HZ is 100 on every Linux architecture we meet (sysconf(_SC_CLK_TCK), proc(5)). */
const TICK_US = 10_000;

/** proc(5): `cpu user nice system idle iowait irq softirq steal …` in ticks; busy = all but idle and iowait. */
export function procStatBusyUs(text: string): number {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) return 0;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) * TICK_US;
}
