import { after, before, test } from 'node:test';
import { appSmokeCase, handlerFetch } from '../../conformance/app-smoke.case.js';
import { openTestApp, smallDatabase } from '../../helpers/app-fixture.js';

// The shared smoke suite against the bare handler: no socket, no adapter (so no 414/431 here).
let db: ReturnType<typeof smallDatabase>;
let app: ReturnType<typeof openTestApp>;
before(async () => {
  db = smallDatabase();
  app = openTestApp({ dbPath: db.dbPath, workerTag: 'test-1' });
});
after(async () => {
  await app.close();
  db.remove();
});

test('the app smoke suite, in-process', async (t) => {
  await appSmokeCase(t, handlerFetch(app.handler), { limits: false, servedBy: /^test-1$/ });
});
