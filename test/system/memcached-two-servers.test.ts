import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MemcachedClient } from '../../src/clients/memcached/client.js';
import { ConsistentHashRing } from '../../src/clients/memcached/ketama.js';
import { keyProblem, nginxMemcachedKey } from '../../src/clients/memcached/key.js';
import { startOnPort } from '../../src/daemons/free-port.js';
import { type StartedMemcached, startMemcached } from '../../src/daemons/memcached.js';
import { nginxUser, runNginx } from '../../src/daemons/nginx.js';
import { staticRootFor } from '../../src/paths.js';
import { appProcessSpec } from '../../src/server/app-process-spec.js';
import { startAppPool } from '../../src/stages/common/app-pool.js';
import { renderNginxConf } from '../../src/stages/common/nginx-conf.js';
import { memcachedSite } from '../../src/stages/memcached/index.js';
import { smallDatabase } from '../helpers/app-fixture.js';
import { requireServer } from '../helpers/prereq.js';
import { login, type Reply, request, requestUntilHit } from '../helpers/stage-fixture.js';

/*
 * Stage memcached's topology with two memcached servers, the fleet's cache hosts on one machine:
 * nginx (the memcached site the stage renders, now with `hash $uri consistent`), two app processes
 * started from one AppProcessSpec naming both servers (filling static files, sessions in memcached
 * too), two memcached. Built here from the stage's own parts — startMemcached, startAppPool,
 * renderNginxConf, runNginx — rather than through a new stage option: stage fleet will start
 * the same parts on its hosts.
 */
const db = smallDatabase();
after(() => db.remove());

// 200 files under /static/ring/, a quarter with names nginx escapes in the key (space, '%',
// a tab) or passes raw (UTF-8), the rest plain; each file's content names it.
const NAMES = Array.from({ length: 200 }, (_, i) => {
  switch (i % 8) {
    case 0:
      return `with space ${i}.css`;
    case 1:
      return `percent %${i}%25.css`;
    case 2:
      return `café-東京-${i}😀.css`;
    case 3:
      return `tab\t${i}.css`;
    default:
      return `plain-${i}.css`;
  }
});
const uriOf = (name: string) => `/static/ring/${name}`;
const targetOf = (name: string) => `/static/ring/${encodeURIComponent(name)}`;
const bodyOf = (name: string) => `/* ${JSON.stringify(name)} */\n`;

test('two memcached servers: the app fills the one nginx reads, whichever app process served the miss', async (t) => {
  if (requireServer(t, 'nginx', 'nginx') === undefined) return;
  if (requireServer(t, 'memcached', 'memcached') === undefined) return;
  const runDir = join(db.dir, 'run');
  mkdirSync(runDir);
  const root = join(staticRootFor(db.dbPath), 'ring');
  mkdirSync(root, { recursive: true });
  for (const name of NAMES) {
    assert.equal(keyProblem(nginxMemcachedKey(uriOf(name))), undefined, name);
    writeFileSync(join(root, name), bodyOf(name));
  }

  const caches: StartedMemcached[] = [];
  t.after(() => Promise.all(caches.map((c) => c.service.stop())));
  for (const role of ['memcached-1', 'memcached-2']) caches.push(await startMemcached(runDir, { role }));
  // One list, the same strings for the app processes and for nginx.conf (ketama.ts: nginx hashes names).
  const servers = caches.map((c) => c.addr);
  const ring = new ConsistentHashRing(servers);

  const pool = await startAppPool({
    workers: 2,
    runDir,
    spec: appProcessSpec({
      port: 0,
      db: db.dbPath,
      sessions: 'memcached',
      memcached: servers,
      fillMemcached: true,
    }),
  });
  t.after(() => pool.stop());
  const front = await startOnPort(undefined, (listenPort) => {
    const spec = {
      runDir,
      listenHost: '127.0.0.1',
      listenPort,
      appPorts: pool.ports,
      memcachedServers: servers,
      staticRoot: staticRootFor(db.dbPath),
      workerProcesses: 1,
      ...(nginxUser() === undefined ? {} : { user: nginxUser() }),
    };
    return runNginx({ ...spec, conf: renderNginxConf(memcachedSite, spec) });
  });
  t.after(() => front.started.stop());
  const url = `http://127.0.0.1:${front.port}`;
  const conf = readFileSync(join(runDir, 'nginx.conf'), 'utf8');
  assert.match(conf, /hash \$uri consistent;/);

  await t.test('first fetch a MISS served by an app process, then a HIT with the same bytes', async () => {
    const missBy = new Set<string>();
    for (const [i, name] of NAMES.entries()) {
      // Every other file is first asked of one app process directly (it serves and fills), so
      // each process fills files that nginx then finds — not only the one nginx happened to pick.
      const first =
        i % 2 === 0
          ? await request(url, targetOf(name))
          : await request(`http://127.0.0.1:${pool.ports[(i >> 1) % 2]}`, targetOf(name));
      assert.equal(first.status, 200, name);
      assert.equal(first.body, bodyOf(name), name);
      if (i % 2 === 0) assert.equal(first.headers.get('x-cache'), 'MISS', name);
      missBy.add(first.headers.get('x-served-by') ?? '');
      const hit = await requestUntilHit(url, targetOf(name));
      assert.equal(hit.headers.get('x-cache'), 'HIT', name);
      assert.equal(hit.headers.get('x-served-by'), null, name);
      assert.equal(hit.body, bodyOf(name), name);
      assert.equal(hit.headers.get('content-type'), first.headers.get('content-type'), name);
    }
    assert.equal(missBy.size, 2, `both app processes served misses: ${[...missBy].join(', ')}`);
  });

  await t.test('each file is on exactly one memcached: the one the ring names', async () => {
    const direct = servers.map((s) => new MemcachedClient(s));
    try {
      const perServer = [0, 0];
      for (const name of NAMES) {
        const key = nginxMemcachedKey(uriOf(name));
        const found = await Promise.all(direct.map((c) => c.get(key)));
        const holders = servers.filter((_, i) => found[i] !== undefined);
        assert.deepEqual(holders, [ring.serverFor(uriOf(name))], name);
        const at = servers.indexOf(holders[0]!);
        perServer[at]!++;
        assert.equal(found[at]!.value.toString(), bodyOf(name), name);
      }
      t.diagnostic(`files per memcached: ${perServer.join(' / ')}`);
      assert.ok(
        perServer.every((n) => n > 50),
        `both servers hold files: ${perServer}`,
      );
    } finally {
      for (const c of direct) await c.close();
    }
  });

  await t.test('a session lives on the server the ring names for its key', async () => {
    const { cookie } = await login(url, 7);
    const id = /fk_session=([0-9a-f]+)/.exec(cookie)![1]!;
    const key = `fk:sess:${id}`;
    const direct = servers.map((s) => new MemcachedClient(s));
    try {
      const found = await Promise.all(direct.map((c) => c.get(key)));
      assert.deepEqual(
        servers.filter((_, i) => found[i] !== undefined),
        [ring.serverFor(key)],
      );
    } finally {
      for (const c of direct) await c.close();
    }
    const page = await request(url, '/', { cookie });
    assert.match(page.body, /data-user-id="7"/);
  });

  await t.test(
    'one memcached stopped: every file still served, no errors; its files move to the other',
    async () => {
      const [stopped, running] = caches as [StartedMemcached, StartedMemcached];
      await stopped.service.stop();
      const onStopped = NAMES.filter((n) => ring.serverFor(uriOf(n)) === stopped.addr);
      const pass = async () => {
        const replies: Array<[string, Reply]> = [];
        for (const name of NAMES) replies.push([name, await request(url, targetOf(name))]);
        for (const [name, r] of replies) {
          assert.equal(r.status, 200, name);
          assert.equal(r.body, bodyOf(name), name);
        }
        return replies.filter(([, r]) => r.headers.get('x-cache') === 'HIT').length;
      };
      const firstHits = await pass();
      // nginx finds the stopped server refusing and asks the ring's next one, the running server.
      // The app fills that one instead (MemcachedFillSource's failover) — once its "recently
      // stored" window (refillAfterMs, 10 s by default) for the file has passed: the files were
      // stored on the stopped server moments ago.
      await new Promise((r) => setTimeout(r, 10_500));
      const secondHits = await pass();
      await new Promise((r) => setTimeout(r, 300));
      const thirdHits = await pass();
      t.diagnostic(
        `${stopped.addr} stopped (${onStopped.length} of ${NAMES.length} files were on it): ` +
          `HITs ${firstHits} at once, ${secondHits} 10 s later, then ${thirdHits}`,
      );
      assert.ok(firstHits >= NAMES.length - onStopped.length, 'files on the running server still hit');
      assert.equal(thirdHits, NAMES.length, 'the stopped server’s files were filled on the running one');
      const direct = new MemcachedClient(running.addr);
      try {
        for (const name of onStopped) assert.ok(await direct.get(nginxMemcachedKey(uriOf(name))), name);
      } finally {
        await direct.close();
      }
    },
  );
});
