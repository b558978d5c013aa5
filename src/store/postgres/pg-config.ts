/**
 * postgresql.conf and pg_hba.conf of the project's own cluster, as pure functions (golden-tested
 * in test/unit/store/pg-config.test.ts). They are rewritten on every start, so a newer version of
 * these settings applies to a cluster seeded by an older one. Every line says why; the figures
 * come from bench/README.md ("PostgreSQL").
 */
export interface PgConfOptions {
  port: number;
  /** Our own unix socket directory (never /var/run/postgresql); '' = TCP only. */
  socketDir: string;
  sharedBuffersMb: number;
  maxConnections: number;
  /**
   * Stage fleet: the one address to listen on (its db host's own) instead of loopback; who may
   * connect through it is pg_hba.conf's business (renderPgHba's clients).
   */
  listenAddress?: string;
}

/**
 * Sized to hold the data set: the full seed (100k users, 1.5 M photos) measured 216 MB for the
 * whole database here (photos 148 MB of heap + 45 MB of keys and index, users 16 MB;
 * bench/README.md). 512 MB holds it about twice over, so the sessions table, the index rebuilt by
 * the no-index rung and the catalog fit too, and a warm page view never reads through the kernel.
 */
export const DEFAULT_SHARED_BUFFERS_MB = 512;

/**
 * App processes × pool size + the CGI stage (one connection per request, up to the bench's
 * concurrency) + the ladder's own (index toggle, facts) + tools. 100 also stays well under the
 * kernel's limits for 100 backends of ~10 MB each. checkConnectionBudget() enforces the sum.
 */
export const DEFAULT_MAX_CONNECTIONS = 100;

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function renderPostgresConf(o: PgConfOptions): string {
  const listen =
    o.listenAddress === undefined
      ? "listen_addresses = '127.0.0.1'   # loopback only: the benchmark's own cluster, trust auth (pg_hba.conf)"
      : `listen_addresses = ${quote(o.listenAddress)}   # the db host's own address only; clients: pg_hba.conf`;
  return `# Written by flickr-killr on every start (store/postgres/pg-config.ts); edits are overwritten.
${listen}
port = ${o.port}
unix_socket_directories = ${quote(o.socketDir)}
max_connections = ${o.maxConnections}
superuser_reserved_connections = 3

# Memory: the whole data set stays in shared buffers (see DEFAULT_SHARED_BUFFERS_MB).
shared_buffers = ${o.sharedBuffersMb}MB
effective_cache_size = ${o.sharedBuffersMb * 2}MB
huge_pages = off                 # 'try' may silently change what a run measures
maintenance_work_mem = 256MB     # CREATE INDEX after the bulk load sorts 1.5 M keys in memory
work_mem = 4MB
random_page_cost = 1.1           # the data is in memory: an index probe costs about a sequential read

# Durability: a crash (or SIGKILL) may lose the last few hundred ms of commits, i.e. the newest
# sessions, never consistency: WAL is still written and fsynced in the background. Every page view
# with a session commits an UPDATE; waiting for its WAL flush halved session touches/s here
# (bench/pg-store.ts: 2.4k vs 4.8k one at a time, 8.2k vs 20.7k with 32 concurrent).
# fsync stays on: fsync=off measured no gain on top (5.3k / 19.7k), and an OS crash could then
# corrupt the cluster, the 1.5 M rows needing a reseed.
synchronous_commit = off
fsync = on
full_page_writes = on

# COPY into tables created in the same transaction writes no WAL at all (the seed's bulk load).
wal_level = minimal
max_wal_senders = 0
archive_mode = off
max_wal_size = 2GB               # no forced checkpoints in the middle of a load
checkpoint_timeout = 15min

# One query, one backend: under a benchmark's concurrency, parallel workers only add process
# start-ups and coordination per query (the no-index rung would fork workers for every page).
max_parallel_workers_per_gather = 0
max_parallel_maintenance_workers = 1
jit = off                        # compiling a plan costs more than these millisecond queries take

# Messages: the service log, plain C locale, UTC.
logging_collector = off
log_destination = 'stderr'
log_line_prefix = '%m [%p] '
log_min_messages = warning
log_checkpoints = off
log_timezone = 'UTC'
timezone = 'UTC'
lc_messages = 'C'
lc_monetary = 'C'
lc_numeric = 'C'
lc_time = 'C'
datestyle = 'iso, mdy'
default_text_search_config = 'pg_catalog.simple'
dynamic_shared_memory_type = posix
`;
}

/**
 * Trust on loopback and our own socket only, like the project's own Redis and memcached (no
 * passwords on a per-run benchmark server that listens on 127.0.0.1 and holds generated data).
 */
export function renderPgHba(o: { clients?: readonly PgHbaClient[] } = {}): string {
  const clients = (o.clients ?? []).map(
    (c) => `host    all       ${c.user}    ${c.address.padEnd(13)} trust   # ${c.why}`,
  );
  return `# Written by flickr-killr on every start (store/postgres/pg-config.ts).
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
${clients.map((l) => `${l}\n`).join('')}`;
}

/**
 * One more client that may connect over the network (stage fleet: each app host, and the machine
 * that seeds), by address in CIDR form (10.0.0.12/32) or a host name, as one role.
 */
export interface PgHbaClient {
  address: string;
  user: string;
  /** Written as the line's comment: which host this is. */
  why: string;
}
