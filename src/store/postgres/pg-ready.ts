import postgres from 'postgres';
import type { Service } from '../../daemons/supervisor.js';
import { FkError } from '../../errors.js';

/** Start-up checks of a postmaster, with short-lived connections of their own. */
export const READY_TIMEOUT_MS = 60_000; // crash recovery after a SIGKILL replays WAL before accepting

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The port accepts before the server does: during start-up and recovery it answers 57P03. */
export async function waitUntilReady(url: string, service: Service | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    if (service !== undefined && !service.isRunning()) {
      throw new FkError('E_PROCESS_EXITED', `postgres exited during start-up (log: ${service.logFile})`);
    }
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {}, fetch_types: false });
    try {
      await sql`SELECT 1`;
      return;
    } catch (e) {
      last = e;
    } finally {
      await sql.end({ timeout: 1 });
    }
    await sleep(100);
  }
  throw new FkError(
    'E_START_TIMEOUT',
    `PostgreSQL did not accept queries within ${READY_TIMEOUT_MS} ms: ${last}`,
  );
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, connect_timeout: 5, onnotice: () => {}, fetch_types: false });
  try {
    const rows = await sql`SELECT 1 FROM pg_database WHERE datname = ${database}`;
    if (rows.length > 0) return;
    await sql.unsafe(
      `CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
    );
  } catch (e) {
    // Two commands creating it at once: the loser sees 42P04 duplicate_database, which is fine.
    if ((e as { code?: string }).code !== '42P04') throw e;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
