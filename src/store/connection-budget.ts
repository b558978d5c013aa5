import { FkError } from '../errors.js';

/**
 * Every app process holds up to `poolSize` connections (store/postgres/pool.ts), so a stage of N
 * processes needs N × poolSize of the server's slots. PostgreSQL keeps
 * superuser_reserved_connections of max_connections back, and answers the connection past the
 * rest with "too many clients" (53300) — mid-run, as 503s. Checked before a stage starts instead.
 */
export interface ConnectionBudget {
  processes: number;
  poolSize: number;
  maxConnections: number;
  /** Slots not available to the app: superuser_reserved_connections, plus any the caller keeps (tools). */
  reserved: number;
}

export function checkConnectionBudget(b: ConnectionBudget): void {
  for (const [name, v] of Object.entries(b)) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new FkError('E_USAGE', `connection budget: ${name} must be a whole number >= 0, got ${v}`);
    }
  }
  const needed = b.processes * b.poolSize;
  const available = b.maxConnections - b.reserved;
  if (needed <= available) return;
  throw new FkError(
    'E_DB_CONNECTIONS',
    `${b.processes} app processes × pool ${b.poolSize} = ${needed} connections do not fit ` +
      `max_connections ${b.maxConnections} minus ${b.reserved} reserved (${Math.max(0, available)} available)`,
  );
}
