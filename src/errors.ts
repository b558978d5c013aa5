/**
 * One table of error codes, each with a hint (after fastify's lib/errors.js and k6's errext/hint).
 * Every error the CLI can print to a user is a FkError with a code from this table;
 * docs/errors.md lists them all and a test holds the two together.
 */
export const ERROR_CODES = {
  E_USAGE: 'Run `flickr-killr --help` (or `flickr-killr <command> --help`) for the accepted options.',
  E_DB_MISSING: 'Create it first: `flickr-killr seed` (or pass --db PATH to an existing database).',
  E_DB_EXISTS: 'Pass --force to replace the existing database.',
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
  E_STAGE_UNKNOWN: 'Known stages: cgi, single, nginx, memcached, cluster, nginx-static, proxy-cache.',
  E_BACKEND_UNAVAILABLE:
    'Is the memcached / redis-server at that address running (--memcached HOST:PORT, --redis URL)? See its log.',
  E_BACKEND_PROTOCOL:
    'memcached / Redis answered an error or bytes that are not its protocol (is the port right?), or a request was not expressible (a memcached key over 250 bytes or with spaces).',
  E_INTERNAL: 'This is a bug in flickr-killr; please report it with the command you ran.',
  E_TLS:
    "The https:// server's TLS handshake failed: for a self-signed test certificate pass --insecure; otherwise check the port speaks TLS and the certificate matches the host name.",
  E_BAD_THRESHOLD:
    "Write --expect as comma-separated METRIC<VALUE checks, e.g. 'p99<50ms,errors<0.1%,rate>1000' (see `flickr-killr bench --help`).",
  E_BAD_REPORT: 'That file is not a flickr-killr ladder report.json (see schemas/ladder-report.schema.json).',
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
