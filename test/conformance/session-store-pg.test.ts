import { PgSessionStore } from '../../src/session/pg-store.js';
import { pgCluster, seededOnce } from '../helpers/pg.js';
import { sessionStoreConformance } from './session-store.case.js';

// Sessions live in the seeded schema's sessions table; a few users are enough.
const cluster = seededOnce(pgCluster(), 20);

sessionStoreConformance('db on postgres', async (t) => {
  const pg = await cluster(t);
  if (pg === undefined) return undefined;
  // Pool options differ per instance, so the second store has its own pool: another app process.
  const store = PgSessionStore.open(pg.target.url, { applicationName: 'fk-test-a' });
  return {
    store,
    openSecond: async () => PgSessionStore.open(pg.target.url, { applicationName: 'fk-test-b' }),
    cleanup: () => store.close(),
  };
});
