import { after, before, test } from 'node:test';
import { composeApp } from '../../../src/server/compose.js';
import { smallDatabase } from '../../integration/app-fixture.js';
import { appSmokeCase, handlerFetch } from '../../integration/app-smoke.case.js';

// The shared smoke suite against the bare handler: no socket, no adapter (so no 414/431 here).
let db: ReturnType<typeof smallDatabase>;
let app: Awaited<ReturnType<typeof composeApp>>;
before(async () => {
  db = smallDatabase();
  app = await composeApp({ dbPath: db.dbPath, workerTag: 'test-1' });
});
after(async () => {
  await app.close();
  db.remove();
});

test('the app smoke suite, in-process', async (t) => {
  await appSmokeCase(t, handlerFetch(app.handler), { limits: false, servedBy: /^test-1$/ });
});
