import type { OpenTarget } from '../store/db-target.js';
import type { PgPoolOptions } from '../store/postgres/pool.js';
import type { SessionStore } from './session-store.js';

/**
 * The `db` session store (sessions in the app's own database, stage single) on the target's
 * backend; on PostgreSQL it shares the process's pool with openPhotoStore() for the same target
 * and options, so the process holds one bounded pool. Lazy imports, as store/database.ts.
 */
export async function openDbSessionStore(t: OpenTarget, o: PgPoolOptions = {}): Promise<SessionStore> {
  if (t.kind === 'sqlite') {
    const { DbSessionStore } = await import('./db-store.js');
    return new DbSessionStore(t.path);
  }
  const { PgSessionStore } = await import('./pg-store.js');
  return PgSessionStore.open(t.url, o);
}
