import { FkError } from '../../errors.js';
import type { Role } from '../../lab/host-spec.js';
import type { RemoteHost } from '../../remote/remote-host.js';
import { quoteArg } from '../../remote/shell-quote.js';

/**
 * What the fleet needs to know of each host before it can plan: who we log in as, how many cores
 * it has, where its binaries are, and the address this machine reaches it from. All of it comes
 * from ONE ssh command per host (probeArgv), parsed by parseProbe; planFleet takes the result, so
 * the plan stays a pure function and works the same on lab hosts and real machines (where nginx
 * may live elsewhere, node may be missing, and the ssh user may not be root).
 */
export const FLEET_BINARIES = [
  'supervisord',
  'supervisorctl',
  'node',
  'sha256sum',
  'nginx',
  'memcached',
  'redis-server',
  'postgres',
  'initdb',
  'setpriv',
] as const;
export type FleetBinary = (typeof FLEET_BINARIES)[number];

export interface HostFacts {
  /** The ssh user's uid on the host: 0 means daemons can drop to their own users. */
  uid: number;
  /** nproc on the host (a lab host's quota is smaller: its hosts-file cpu counts first). */
  cores: number;
  /** Absolute paths of the binaries found on it. */
  bins: Partial<Record<FleetBinary, string>>;
  /** `node -v` on the host, e.g. v20.20.2. */
  nodeVersion?: string;
  /** This machine's address as the host sees it (first word of SSH_CLIENT): pg_hba admits it. */
  clientAddress?: string;
}

/** Daemons live in sbin, which the PATH of an ssh session as a user often lacks. */
const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * One line per fact, `key=value`. PostgreSQL's server binaries are off PATH on Debian, one
 * directory per major version: the newest is taken. node may be where this machine has it
 * ($1, e.g. a hand-installed /usr/local/bin/node) rather than on PATH.
 */
export const PROBE_SCRIPT = [
  `PATH=${HOST_PATH}; export PATH`,
  'echo "uid=$(id -u)"',
  'echo "cores=$(nproc 2>/dev/null || echo 1)"',
  // The first word of SSH_CLIENT ("ADDRESS PORT PORT"): this machine's address as the host sees it.
  'set -- "$1" $SSH_CLIENT; echo "client=$2"',
  `for b in ${FLEET_BINARIES.filter((b) => b !== 'postgres' && b !== 'initdb' && b !== 'node').join(' ')}; do echo "bin.$b=$(command -v "$b")"; done`,
  'n=$(command -v node); if [ -z "$n" ] && [ -x "$1" ]; then n=$1; fi; echo "bin.node=$n"',
  'if [ -n "$n" ]; then echo "node.version=$("$n" -v 2>/dev/null)"; fi',
  'pg=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)',
  'if [ -z "$pg" ]; then p=$(command -v postgres); [ -n "$p" ] && pg=$(dirname "$p"); fi',
  'if [ -n "$pg" ] && [ -x "$pg/postgres" ]; then echo "bin.postgres=$pg/postgres"; fi',
  'if [ -n "$pg" ] && [ -x "$pg/initdb" ]; then echo "bin.initdb=$pg/initdb"; fi',
].join('\n');

/** The probe, as an argv for Remote.exec; `localNode` is this machine's node (process.execPath). */
export function probeArgv(localNode: string): string[] {
  return ['sh', '-c', PROBE_SCRIPT, 'fk-probe', localNode];
}

export function parseProbe(host: string, stdout: string): HostFacts {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const uid = Number(kv.get('uid'));
  if (!Number.isInteger(uid) || uid < 0)
    throw new FkError(
      'E_REMOTE_COMMAND',
      `probing host ${host}: no uid in its answer: ${stdout.slice(0, 200)}`,
    );
  const bins: HostFacts['bins'] = {};
  for (const b of FLEET_BINARIES) {
    const v = kv.get(`bin.${b}`);
    if (v?.startsWith('/')) bins[b] = v;
  }
  const cores = Number(kv.get('cores'));
  const client = kv.get('client');
  const node = kv.get('node.version');
  return {
    uid,
    cores: Number.isInteger(cores) && cores > 0 ? cores : 1,
    bins,
    ...(node ? { nodeVersion: node } : {}),
    ...(client ? { clientAddress: client } : {}),
  };
}

/** Which binaries a host needs for its roles, each with what provides it. */
export function neededBinaries(
  roles: readonly Role[],
  o: { ownDb: boolean; root: boolean },
): Array<{ binary: FleetBinary; from: string }> {
  const need: Array<{ binary: FleetBinary; from: string }> = [
    { binary: 'supervisord', from: 'apt-get install supervisor' },
    { binary: 'supervisorctl', from: 'apt-get install supervisor' },
  ];
  if (roles.includes('app'))
    need.push(
      { binary: 'node', from: 'Node.js 20 or newer (e.g. apt-get install nodejs from NodeSource)' },
      { binary: 'sha256sum', from: 'apt-get install coreutils' },
    );
  if (roles.includes('lb')) need.push({ binary: 'nginx', from: 'apt-get install nginx' });
  if (roles.includes('cache')) need.push({ binary: 'memcached', from: 'apt-get install memcached' });
  if (roles.includes('sessions')) need.push({ binary: 'redis-server', from: 'apt-get install redis-server' });
  if (roles.includes('db') && o.ownDb) {
    need.push(
      { binary: 'postgres', from: 'apt-get install postgresql' },
      { binary: 'initdb', from: 'apt-get install postgresql' },
    );
    if (o.root) need.push({ binary: 'setpriv', from: 'apt-get install util-linux' });
  }
  return need;
}

/**
 * Every host's missing binaries at once, one line each (E_PREREQ_MISSING): "host app2
 * (10.0.0.13) lacks node (Node.js 20 …), sha256sum (apt-get install coreutils)".
 */
export function missingOnHosts(
  hosts: readonly { host: RemoteHost; roles: readonly Role[] }[],
  facts: Readonly<Record<string, HostFacts>>,
  ownDb: boolean,
): string[] {
  const lines: string[] = [];
  for (const { host, roles } of hosts) {
    const f = facts[host.name];
    if (f === undefined) continue;
    const missing = neededBinaries(roles, { ownDb, root: f.uid === 0 }).filter(
      (n) => f.bins[n.binary] === undefined,
    );
    const node = roles.includes('app') ? nodeProblem(f) : undefined;
    const parts = missing.map((m) => `${m.binary} (${m.from})`);
    if (node !== undefined) parts.push(node);
    if (parts.length > 0) lines.push(`host ${host.name} (${host.address}) lacks ${parts.join(', ')}`);
  }
  return lines;
}

/** package.json says node >= 20.10; an older one on an app host would fail at the first import. */
function nodeProblem(f: HostFacts): string | undefined {
  if (f.bins.node === undefined || f.nodeVersion === undefined) return undefined;
  const m = /^v(\d+)\.(\d+)/.exec(f.nodeVersion);
  if (m === null) return `a node that answers -v (${quoteArg(f.nodeVersion)})`;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major > 20 || (major === 20 && minor >= 10)) return undefined;
  return `node >= 20.10 (it has ${f.nodeVersion})`;
}
