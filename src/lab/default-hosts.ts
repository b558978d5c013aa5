import type { HostSpec, Role } from './host-spec.js';
import { formatMemory } from './units.js';

/**
 * The default size of each kind of host, in ONE table. Why these numbers:
 * - The load generator stays OUTSIDE every host and needs CPU of its own on this 2-core box, so
 *   the hosts of a default lab (2 app hosts) are capped at 1.7 cores together and, in the usual
 *   case where only the app hosts are busy, use half a core — the rest is the generator's.
 * - The capacity command needs app hosts to saturate before the shared hosts do: adding an app
 *   host must add throughput, or it measures the lb or the db instead. nginx, memcached and Redis
 *   do several times more requests per CPU-second than an app process (docs/lab.md has the
 *   measurement), so 0.2–0.5 of a core keeps them well ahead of 0.25-core app hosts.
 * - Memory: an app process is ~60–90 MB resident; PostgreSQL wants shared_buffers plus a few
 *   backends; memcached gets -m 64 inside 128M.
 */
export const DEFAULT_HOST_SIZES: Record<Role, { cpu: number; memory: string }> = {
  lb: { cpu: 0.5, memory: '128M' },
  app: { cpu: 0.25, memory: '256M' },
  cache: { cpu: 0.2, memory: '128M' },
  sessions: { cpu: 0.2, memory: '128M' },
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
