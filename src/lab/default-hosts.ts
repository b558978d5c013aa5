import type { HostSpec, Role } from './host-spec.js';
import { formatMemory } from './units.js';

/**
 * CPU per page view of each shared role, relative to the app processes' own, measured on this
 * machine (stage memcached, 2 app workers, `bench --page`: page + ~18 assets, 8 logged-in users,
 * 8 s after a 3 s warm-up, CPU from /proc per process; two runs on a busy shared box, load ~5:
 * nginx 1.90 / 2.02 s, app 2.57 / 2.16 s, memcached 1.66 / 1.61 s, redis 0.17 / 0.15 s).
 * nginx and memcached handle every asset, the app only the page: they cost nearly as much as it.
 */
export const MEASURED_CPU_VS_APP = { lb: 0.94, cache: 0.75, sessions: 0.07 } as const;

/**
 * The default size of each kind of host, in ONE table. Why these numbers:
 * - The capacity command needs app hosts to saturate before the shared hosts do, or adding an
 *   app host measures the lb or the cache instead. By MEASURED_CPU_VS_APP, with the default 2 app
 *   hosts (0.5 core of app) the lb needs ~0.47 core and memcached ~0.38 when the apps are full:
 *   lb 0.75 and cache 0.5 leave them ~1.3-1.6x headroom (the suggested 0.2 for cache would have
 *   made memcached the bottleneck). Redis needs ~0.04: 0.1. PostgreSQL on the db host measured
 *   0.04–0.08 core at 290–460 page views/s (stage fleet, 2 app hosts): 0.5 is a cap with room
 *   for the no-index scans.
 * - The load generator stays OUTSIDE every host and needs CPU of its own on this 2-core box: the
 *   quotas are caps, not reservations, and with the app hosts saturated the hosts use about
 *   0.5 + 0.47 + 0.38 + 0.04 = 1.4 cores plus the db's, leaving the generator ~0.5 core. So app
 *   hosts stay small (0.25): with 3 or more, the shared hosts become the limit on 2 cores.
 * - Memory: an app process is ~60–90 MB resident; PostgreSQL wants shared_buffers plus a few
 *   backends; memcached gets -m 64 inside 128M.
 */
export const DEFAULT_HOST_SIZES: Record<Role, { cpu: number; memory: string }> = {
  lb: { cpu: 0.75, memory: '128M' },
  app: { cpu: 0.25, memory: '256M' },
  cache: { cpu: 0.5, memory: '128M' },
  sessions: { cpu: 0.1, memory: '128M' },
  db: { cpu: 0.5, memory: '512M' },
};

const MEGABYTE = 1024 * 1024;
const bytes = (m: string) => Number(m.slice(0, -1)) * MEGABYTE;

/** `lab up --app-hosts N`: lb, app1…appN, cache (memcached), sessions (Redis), db (PostgreSQL). */
export function defaultLabHosts(appHosts: number): HostSpec[] {
  const one = (name: string, role: Role, line: number): HostSpec => ({
    name,
    roles: [role],
    cpu: DEFAULT_HOST_SIZES[role].cpu,
    memoryBytes: bytes(DEFAULT_HOST_SIZES[role].memory),
    line,
  });
  const hosts = [one('lb', 'lb', 0)];
  for (let i = 1; i <= appHosts; i++) hosts.push(one(`app${i}`, 'app', 0));
  hosts.push(one('cache', 'cache', 0), one('sessions', 'sessions', 0), one('db', 'db', 0));
  // Lines as renderHostsYaml() writes them: 2 header lines, then 4 lines per host.
  return hosts.map((h, i) => ({ ...h, line: 3 + i * 4 }));
}

/** A hosts file for these hosts (what `lab up` saves as the lab's hosts.yaml, to copy and edit). */
export function renderHostsYaml(hosts: HostSpec[]): string {
  const lines = ['# flickr-killr lab hosts file (docs/lab.md)', 'hosts:'];
  for (const h of hosts) {
    lines.push(`  - name: ${h.name}`, `    roles: [${h.roles.join(', ')}]`);
    if (h.address !== undefined) {
      lines.push(`    address: ${h.address}`);
      if (h.ssh !== undefined) {
        const parts = [
          h.ssh.user !== undefined ? `user: ${h.ssh.user}` : '',
          h.ssh.key !== undefined ? `key: ${JSON.stringify(h.ssh.key)}` : '',
          `port: ${h.ssh.port}`,
        ].filter(Boolean);
        lines.push(`    ssh: {${parts.join(', ')}}`);
      }
    }
    if (h.cpu !== undefined) lines.push(`    cpu: ${h.cpu}`);
    if (h.memoryBytes !== undefined) lines.push(`    memory: ${formatMemory(h.memoryBytes)}`);
    if (h.link !== undefined) lines.push(`    link: ${h.link.tc}`);
  }
  return `${lines.join('\n')}\n`;
}
