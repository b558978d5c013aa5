import { OWN_SUPERUSER } from '../../store/postgres/cluster.js';
import {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_SHARED_BUFFERS_MB,
  type PgHbaClient,
  renderPgHba,
  renderPostgresConf,
} from '../../store/postgres/pg-config.js';

/**
 * The db host's PostgreSQL: the project's own settings (store/postgres/pg-config.ts), listening on
 * the host's address, sized to the host's memory.
 *
 * Who may connect (pg_hba.conf): trust, as the project's own cluster on loopback does — the data
 * is generated and disposable — but only from exactly the machines of the fleet: each app host's
 * address (/32) and this machine's address as the db host sees it (it seeds and checks over the
 * network). A lab's whole /24 would also admit every future host of the subnet, and on real
 * machines the subnet may be shared with others; one line per host admits no one else. The
 * deploy tool's `hosts add` adds a line and reloads (SIGHUP). A server with passwords is always
 * an option: `--db postgres://user:password@host/db` (the password then travels in the app
 * processes' environment, never their argv).
 */
export interface DbConfInput {
  address: string;
  port: number;
  /** The data directory, also the unix socket's (a short path, only root and postgres reach it). */
  dataDir: string;
  memoryBytes?: number;
  /** App processes that will connect (each a pool of 1): max_connections leaves room above it. */
  appProcesses: number;
  clients: readonly PgHbaClient[];
}

const MB = 1024 * 1024;

/**
 * A quarter of the host's memory for shared buffers (PostgreSQL's usual starting point), at most
 * the own cluster's 512 MB: the default lab db host has 512M, and shared buffers of 512 MB would
 * put the whole cgroup over its limit once the seed builds its index (maintenance_work_mem 256MB).
 */
export function sharedBuffersFor(memoryBytes: number | undefined): number {
  if (memoryBytes === undefined) return DEFAULT_SHARED_BUFFERS_MB;
  return Math.max(16, Math.min(DEFAULT_SHARED_BUFFERS_MB, Math.floor(memoryBytes / 4 / MB)));
}

/** Room for the app processes plus tools (seed, checks, psql) and the superuser's reserve. */
export function maxConnectionsFor(appProcesses: number): number {
  return Math.max(DEFAULT_MAX_CONNECTIONS, appProcesses + 20);
}

export function renderDbPostgresConf(o: DbConfInput): string {
  return renderPostgresConf({
    port: o.port,
    socketDir: o.dataDir,
    sharedBuffersMb: sharedBuffersFor(o.memoryBytes),
    maxConnections: maxConnectionsFor(o.appProcesses),
    listenAddress: o.address,
  });
}

export function renderDbPgHba(o: DbConfInput): string {
  return renderPgHba({ clients: o.clients });
}

/** An address as pg_hba wants it: an IP as a one-host CIDR, a DNS name as it is. */
export function hbaAddress(address: string): string {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return `${address}/32`;
  if (address.includes(':')) return `${address}/128`;
  return address;
}

/** One pg_hba line per app host and one for this machine, deduplicated, in plan order. */
export function dbClients(
  appHosts: readonly { name: string; address: string }[],
  controller: string | undefined,
): PgHbaClient[] {
  const out: PgHbaClient[] = [];
  const add = (address: string, why: string) => {
    const a = hbaAddress(address);
    if (!out.some((c) => c.address === a)) out.push({ address: a, user: OWN_SUPERUSER, why });
  };
  for (const h of appHosts) add(h.address, `app host ${h.name}`);
  if (controller !== undefined) add(controller, 'the machine that runs the fleet (seed, checks)');
  return out;
}
