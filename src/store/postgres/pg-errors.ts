import { redact, scrubSecrets } from '../db-target.js';
import { StoreTimeoutError, StoreUnavailableError } from '../photo-store.js';

/**
 * Driver and server errors that mean "the database is not there right now", so the app answers
 * 503 and the driver's next query reconnects. Anything else (a syntax error: a bug) stays as it is
 * and becomes a 500.
 */

// Node socket errors (refused, reset, no route, DNS) and postgres.js's own connection codes.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT', // the unix socket file is gone: the server is down
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * SQLSTATEs (PostgreSQL docs, appendix A): class 08 connection exception; 57P01 admin_shutdown
 * (a fast shutdown terminates every session), 57P02 crash_shutdown, 57P03 cannot_connect_now
 * (starting up or shutting down), 53300 too_many_connections (transient: someone else's pool),
 * class 28 (authentication) and 3D000 (no such database): the server refuses us, which a page
 * cannot fix either.
 */
function isUnavailableState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '53300' ||
    code.startsWith('28') ||
    code === '3D000'
  );
}

/** 57014 query_canceled: statement_timeout fired (or a cancel request, which we never send). */
export const QUERY_CANCELED = '57014';

interface CodedError {
  code?: unknown;
  message?: unknown;
  severity?: unknown;
}

export function isServerError(e: unknown): e is Error & { code: string; severity: string } {
  const c = e as CodedError;
  return e instanceof Error && typeof c.code === 'string' && typeof c.severity === 'string';
}

export function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as CodedError).code;
  if (typeof code !== 'string') return false;
  if (isServerError(e)) return isUnavailableState(code);
  return SOCKET_CODES.has(code);
}

export interface StoreErrorContext {
  /** Named in the timeout message. */
  statementTimeoutMs?: number;
  /** The first contact (a store opening): "cannot connect to …" rather than "… is unavailable". */
  connecting?: boolean;
}

/** The error to throw in place of `e`: a typed store error for outages and timeouts, else `e`. */
export function toStoreError(e: unknown, url: string, c: StoreErrorContext = {}): unknown {
  if (!(e instanceof Error)) return e;
  const where = `PostgreSQL at ${redact(url)}`;
  const why = scrubSecrets(e.message, url);
  if (isServerError(e) && e.code === QUERY_CANCELED) {
    const limit = c.statementTimeoutMs === undefined ? '' : ` (${c.statementTimeoutMs} ms)`;
    return new StoreTimeoutError(`a query ran past statement_timeout${limit} on ${where}: ${why}`, {
      cause: e,
    });
  }
  if (isConnectionFailure(e)) {
    const text = c.connecting ? `cannot connect to ${where}: ${why}` : `${where} is unavailable: ${why}`;
    return new StoreUnavailableError(text, { cause: e });
  }
  return e;
}
