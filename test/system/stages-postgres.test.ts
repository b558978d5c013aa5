import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runBench } from '../../src/bench/index.js';
import { isRunning } from '../../src/proc/stat.js';
import { STAGES } from '../../src/stages/registry.js';
import { ensureSeeded } from '../../src/store/database.js';
import { appSmokeCase } from '../conformance/app-smoke.case.js';
import { rawHttpFetch } from '../helpers/app-raw-client.js';
import { pgCluster } from '../helpers/pg.js';
import { removeSeededDb, request, startStage } from '../helpers/stage-fixture.js';

/**
 * Every stage once more on PostgreSQL (the project's own cluster in a temp dir): the same smoke
 * suite the SQLite system tests run, through the stage's real processes. Then the networked
 * database's fault: PostgreSQL stopped and started again under load.
 */
after(removeSeededDb);
const cluster = pgCluster({ maxConnections: 80 });

async function seeded(t: Parameters<typeof cluster>[0]) {
  const c = await cluster(t);
  if (c === undefined) return undefined;
  await ensureSeeded(c.target, { users: 200, log: () => {} });
  return c;
}

/** What each stage's answers carry (the same options as its SQLite system test). */
const SMOKE: Record<string, { servedBy: RegExp; validators?: boolean }> = {
  cgi: { servedBy: /^cgi-\d+$/ },
  memcached: { servedBy: /^app-\d+$/, validators: false },
};

// Stage fleet brings its own database (PostgreSQL on its db host): its own system tests cover it.
for (const def of STAGES.filter((s) => s.database !== 'own')) {
  test(`stage ${def.name} on PostgreSQL: the app smoke suite`, async (t) => {
    const c = await seeded(t);
    if (c === undefined) return;
    const st = await startStage(t, def.name, { db: c.target });
    if (!st) return;
    await appSmokeCase(t, rawHttpFetch(st.url), SMOKE[def.name] ?? { servedBy: /^app-\d+$/ });
  });
}

test('PostgreSQL stopped and started under load: 503 with Retry-After, static files served, pages back by themselves, no app process restarted', async (t) => {
  const c = await seeded(t);
  if (c === undefined) return;
  const st = await startStage(t, 'nginx', { db: c.target });
  if (!st) return;
  const apps = st.processes().filter((p) => /^app-\d+$/.test(p.role));
  assert.equal(apps.length, 2);

  const bench = runBench({
    urls: [`${st.url}/users/{1..200}`],
    connections: 8,
    threads: 1,
    rate: 150,
    durationMs: 7000,
    timeoutMs: 5000,
    seed: 7,
  });
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = Date.now();
  await c.stop();
  const stoppedAfterMs = Date.now() - t0;
  // While the database is down: a page is a quick 503 that says when to come back; a static file
  // does not touch the database at all.
  const down = await request(st.url, '/users/5');
  assert.equal(down.status, 503);
  assert.ok(Number(down.headers.get('retry-after')) > 0, 'Retry-After');
  assert.equal((await request(st.url, '/static/site.css')).status, 200);
  await new Promise((r) => setTimeout(r, 1500));
  await c.start();
  const restartedAt = Date.now();
  let backMs = -1;
  while (Date.now() - restartedAt < 10_000) {
    if ((await request(st.url, '/users/6')).status === 200) {
      backMs = Date.now() - restartedAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const r = await bench;
  const codes = r.statusCodes;
  const other = Object.entries(codes).filter(([code]) => code !== '200' && code !== '503');
  t.diagnostic(
    `stop took ${stoppedAfterMs} ms; pages back ${backMs} ms after the restart; ` +
      `statuses ${JSON.stringify(codes)}; errors ${JSON.stringify(r.errors)}`,
  );
  assert.ok(backMs >= 0, 'pages came back by themselves within 10 s of the restart');
  assert.ok((codes['503'] ?? 0) > 0, 'the outage was seen as 503s');
  assert.ok((codes['200'] ?? 0) > 0);
  assert.deepEqual(other, [], 'no status but 200 and 503');
  assert.deepEqual(r.errors, {}, 'no transport error (refused, reset, timeout): no process crashed');
  for (const p of apps)
    assert.ok(isRunning(p.pid), `${p.role} (${p.pid}) is the same process, still running`);
  assert.deepEqual(
    st.processes().filter((p) => /^app-\d+$/.test(p.role)),
    apps,
    'no app process was restarted',
  );
});
