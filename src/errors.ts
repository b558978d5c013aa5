/**
 * One table of error codes, each with a hint (after fastify's lib/errors.js and k6's errext/hint).
 * Every error the CLI can print to a user is a FkError with a code from this table;
 * docs/errors.md lists them all and a test holds the two together.
 */
export const ERROR_CODES = {
  E_USAGE: 'Run `flickr-killr --help` (or `flickr-killr <command> --help`) for the accepted options.',
  E_DB_MISSING: 'Create it first: `flickr-killr seed` (or pass --db PATH to an existing database).',
  E_DB_EXISTS: 'Pass --force to replace the existing database.',
  E_INTERRUPTED:
    'Interrupted (Ctrl-C) before it finished; nothing half-done was kept. Run the command again.',
  E_PORT_IN_USE: 'Choose another --port, or stop whatever is listening there.',
  E_PREREQ_MISSING:
    'Install the package named in the message (apt-get install <package>), or skip that stage.',
  E_PROCESS_EXITED: 'A process the stage started exited early; its log is named in the message.',
  E_START_TIMEOUT: 'A process the stage started did not begin listening in time; see its log.',
  E_BAD_URL: 'Give an absolute http:// or https:// URL such as http://127.0.0.1:8080/.',
  E_BAD_TEMPLATE: 'A URL template range is written {MIN..MAX} with integers, MIN <= MAX.',
  E_BAD_LIST_FILE:
    'Each line of a URL list file is: [METHOD] URL [BODY]; blank lines and # comments are ignored.',
  E_UNREACHABLE: 'Nothing answered at that address: is the server running and the port right?',
  E_BAD_RESULT: 'That file is not a flickr-killr bench result (see schemas/bench-result.schema.json).',
  E_STAGE_UNKNOWN: 'Run `flickr-killr serve --help` for the stages there are.',
  E_BACKEND_UNAVAILABLE:
    'Is the memcached / redis-server at that address running (--memcached HOST:PORT, --redis URL)? See its log.',
  E_BACKEND_PROTOCOL:
    'memcached / Redis answered an error or bytes that are not its protocol (is the port right?), or a request was not expressible (a memcached key over 250 bytes or with spaces).',
  E_INTERNAL: 'This is a bug in flickr-killr; please report it with the command you ran.',
  E_LAB_ROOT:
    'The lab creates network namespaces, cgroups and mounts: run it as root (sudo flickr-killr lab …).',
  E_LAB_EXISTS: 'That lab is up: use it (`lab status`), or remove it first with `lab down --name NAME`.',
  E_LAB_NOT_FOUND:
    'Is it up, and is that its name? `flickr-killr lab status --name NAME` lists its hosts; `lab up --name NAME` starts one.',
  E_LAB_STEP_FAILED:
    'A command of the lab failed; it is named in the message with its output. `lab down` removes what was made.',
  E_LAB_NO_SUBNET: 'Every candidate private /24 collides with a route of this machine (see `ip route`).',
  E_LAB_CGROUP:
    'The lab needs the cpu and memory cgroup controllers (v1 under /sys/fs/cgroup/{cpu,memory}, or v2 cgroup.controllers).',
  E_HOSTS_INVALID: 'Fix the hosts file at the lines named; docs/lab.md describes the format.',
  E_REMOTE_UNREACHABLE:
    'ssh could not reach or log in to that host: is it up (`lab status`), is the address/port right, is the key authorized and the host key in known_hosts?',
  E_REMOTE_TIMEOUT:
    'The remote command did not finish in time; it may still run on the host (its ssh client was stopped).',
  E_REMOTE_COMMAND: 'A command run on a host over ssh failed; its exit code and output are in the message.',
  E_REMOTE_COPY:
    'Copying over ssh failed; the message has rsync/scp output (is the remote folder writable?).',
  E_DB_UNREACHABLE:
    "Is PostgreSQL running at that address (--db URL / DATABASE_URL), and do host, port, user and database match? `--db postgres` starts the project's own.",
  E_DB_TIMEOUT:
    'A query ran past statement_timeout: is the photos.user_id index present (`flickr-killr index status`)? Or raise the timeout.',
  E_DB_CONNECTIONS:
    "App processes × pool size exceed the server's max_connections: fewer processes, a smaller pool, or a larger max_connections.",
  E_TLS:
    "The https:// server's TLS handshake failed: for a self-signed test certificate pass --insecure; otherwise check the port speaks TLS and the certificate matches the host name.",
  E_BAD_THRESHOLD:
    "Write --expect as comma-separated METRIC<VALUE checks, e.g. 'p99<50ms,errors<0.1%,rate>1000' (see `flickr-killr bench --help`).",
  E_BAD_REPORT: 'That file is not a flickr-killr ladder report.json (see schemas/ladder-report.schema.json).',
  E_FLEET_SMOKE:
    "The fleet started but a page through its lb was wrong: each host's logs are in /var/log/flickr-killr (`flickr-killr lab ssh HOST`).",
  E_DEPLOY_STATE:
    'A deploy step left the fleet part-way: `flickr-killr deploy status` shows which host runs which release and what the lb routes to; re-running `deploy` finishes the job (docs/deploy.md).',
  E_DEPLOY_LOCKED:
    'Another deploy holds the lock on the lb host (owner and age in the message). Wait for it, or if it was killed, re-run with --break-lock.',
  E_DEPLOY_UPTEST:
    "The new release's processes failed their uptests; the balancer was not switched and the old release keeps serving. The uptest output and the process log tail are above.",
  E_DEPLOY_PRUNED:
    "That release's build was pruned from the hosts (`--keep K` keeps the builds of the last K releases). Roll back to a newer release (`flickr-killr deploy status` lists them), or deploy that code again (`deploy --ref COMMIT`), which ships its build.",
  E_DEPLOY_NO_RELEASE:
    'No such release recorded on the lb (or no previous one to roll back to): `flickr-killr deploy status` lists the releases.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class FkError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FkError';
    this.code = code;
    this.hint = options?.hint ?? ERROR_CODES[code];
  }
}

export function isFkError(e: unknown): e is FkError {
  return e instanceof FkError;
}
