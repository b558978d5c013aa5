import { existsSync, readFileSync } from 'node:fs';
import { sampleCgroup } from './cgroup.js';
import { readText } from './cgroup-fs.js';
import type { Role } from './host-spec.js';
import type { LabState } from './state.js';
import { formatMemory } from './units.js';

/**
 * `lab status`: per host, what its cgroup says — CPU used over a short sample against the quota,
 * throttling, memory used against the limit, processes. The JSON (`--json`) is this type.
 */
export interface LabHostStatus {
  name: string;
  address: string;
  roles: Role[];
  sshd: { pid: number | null; running: boolean };
  cpu: { quota: number; used: number };
  /** Since the host was made: CFS periods, those throttled, time throttled. And the sample's share. */
  throttling: { periods: number; throttledPeriods: number; throttledMs: number; throttledInSample: number };
  memory: { limitBytes: number; usedBytes: number };
  processes: number;
}

export interface LabStatus {
  lab: string;
  status: LabState['status'];
  createdAt: string;
  subnet: string;
  gateway: string;
  bridge: string;
  cgroupVersion: 1 | 2;
  sshConfig: string;
  sampleMs: number;
  hosts: LabHostStatus[];
}

/** Running, and not a zombie (PID 1 here is not systemd and may reap late). */
export const processAlive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

export async function labStatus(state: LabState, sampleMs = 500): Promise<LabStatus> {
  const read = (p: string) => (existsSync(p) ? readText(p) : '');
  const first = state.hosts.map((h) => sampleCgroup(state.cgroupLayout, h.cgroup, read));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, sampleMs));
  const second = state.hosts.map((h) => sampleCgroup(state.cgroupLayout, h.cgroup, read));
  const elapsedUs = (performance.now() - t0) * 1000;
  return {
    lab: state.name,
    status: state.status,
    createdAt: state.createdAt,
    subnet: state.subnet,
    gateway: state.gateway,
    bridge: state.bridge,
    cgroupVersion: state.cgroupLayout.version,
    sshConfig: state.ssh.configFile,
    sampleMs,
    hosts: state.hosts.map((h, i) => {
      const a = first[i]!;
      const b = second[i]!;
      const periods = b.periods - a.periods;
      return {
        name: h.name,
        address: h.address,
        roles: h.roles,
        sshd: { pid: h.sshd.pid ?? null, running: processAlive(h.sshd.pid) },
        cpu: { quota: h.cpu, used: round3((b.usageUs - a.usageUs) / elapsedUs) },
        throttling: {
          periods: b.periods,
          throttledPeriods: b.throttledPeriods,
          throttledMs: Math.round(b.throttledUs / 1000),
          throttledInSample: periods > 0 ? round3((b.throttledPeriods - a.throttledPeriods) / periods) : 0,
        },
        memory: { limitBytes: h.memoryBytes, usedBytes: b.memoryBytes },
        processes: b.pids.length,
      };
    }),
  };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function renderLabStatus(s: LabStatus): string {
  const head = [
    'host',
    'address',
    'roles',
    'cpu used/quota',
    'memory used/limit',
    'procs',
    'throttled',
    'sshd',
  ];
  const rows = s.hosts.map((h) => [
    h.name,
    h.address,
    h.roles.join(','),
    `${h.cpu.used.toFixed(2)}/${h.cpu.quota}`,
    `${formatMemory(h.memory.usedBytes)}/${formatMemory(h.memory.limitBytes)}`,
    String(h.processes),
    `${Math.round(h.throttling.throttledInSample * 100)}% (${h.throttling.throttledMs} ms total)`,
    h.sshd.running ? `pid ${h.sshd.pid}` : 'NOT RUNNING',
  ]);
  const widths = head.map((_, c) => Math.max(head[c]!.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((x, c) => x.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [
    `lab ${s.lab} (${s.status}): ${s.hosts.length} hosts on ${s.subnet} (bridge ${s.bridge}, this machine ${s.gateway}), cgroup v${s.cgroupVersion}, sampled ${s.sampleMs} ms`,
    line(head),
    ...rows.map(line),
    `ssh: ssh -F ${s.sshConfig} HOST`,
    '',
  ].join('\n');
}
