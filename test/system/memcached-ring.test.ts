import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { MemcachedClient } from '../../src/clients/memcached/client.js';
import { MemcachedCluster } from '../../src/clients/memcached/cluster.js';
import { ConsistentHashRing } from '../../src/clients/memcached/ketama.js';
import { keyProblem, nginxMemcachedKey } from '../../src/clients/memcached/key.js';
import { startOnPort } from '../../src/daemons/free-port.js';
import { type StartedMemcached, startMemcached } from '../../src/daemons/memcached.js';
import { nginxUser, runNginx } from '../../src/daemons/nginx.js';
import type { Service } from '../../src/daemons/supervisor.js';
import { renderNginxConf } from '../../src/stages/common/nginx-conf.js';
import { memcachedOnlySite } from '../../src/stages/memcached/index.js';
import { prng } from '../../src/store/demo-data.js';
import { requireServer } from '../helpers/prereq.js';

// Does our ring make nginx's choice? Every server holds every key, each with its own marker
// value; nginx (`hash $uri consistent`, the config the stages render) answers with the marker of
// the server it picked, which must be the one ConsistentHashRing names — for thousands of random
// $uri values, with two servers and three, and, with servers stopped, in nginx's failover order.
const dir = mkdtempSync(join(tmpdir(), 'fk-mc-ring-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A seeded PRNG (the demo data's own), so a failure can be replayed.
const SEED = 20071;
const KEYS = 3000;

// What nginx escapes in the key (space, %, controls) or passes raw (DEL, UTF-8 of 2-4 bytes), and
// punctuation that percent-decoding and nginx's URI parser could treat differently from ours.
const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ..." %+~!*()'-_.,;=&@$?#[]:",
  '\t',
  '\x01',
  '\x7f',
  'é',
  'ü',
  '東',
  '京',
  '😀',
];

/** Random decoded $uri values under /static/, 1-3 segments, each a valid memcached key once escaped. */
function randomUris(n: number, seed: number): string[] {
  const rnd = prng(seed);
  const out = new Set<string>();
  while (out.size < n) {
    const segments = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => {
      const len = 1 + Math.floor(rnd() * 24);
      return Array.from({ length: len }, () => ALPHABET[Math.floor(rnd() * ALPHABET.length)]).join('');
    });
    // nginx resolves '.' and '..' segments in $uri; such a path is not what we mean to test.
    if (segments.some((s) => /^\.+$/.test(s))) continue;
    const uri = `/static/${segments.join('/')}`;
    if (keyProblem(nginxMemcachedKey(uri)) === undefined) out.add(uri);
  }
  return [...out];
}

/** The request-target for a decoded path: every segment percent-encoded, '/' kept. */
const target = (uri: string) => uri.split('/').map(encodeURIComponent).join('/');

interface Site {
  servers: StartedMemcached[];
  port: number;
  nginx: Service;
}

async function startSite(t: TestContext, count: number, name: string): Promise<Site | undefined> {
  if (requireServer(t, 'nginx', 'nginx') === undefined) return undefined;
  if (requireServer(t, 'memcached', 'memcached') === undefined) return undefined;
  const runDir = mkdtempSync(join(dir, `${name}-`));
  const servers: StartedMemcached[] = [];
  t.after(() => Promise.all(servers.map((s) => s.service.stop())));
  for (let i = 1; i <= count; i++) servers.push(await startMemcached(runDir, { role: `memcached-${i}` }));
  const front = await startOnPort(undefined, (listenPort) => {
    const spec = {
      runDir,
      listenHost: '127.0.0.1',
      listenPort,
      appPorts: [],
      memcachedServers: servers.map((s) => s.addr),
      workerProcesses: 1,
      ...(nginxUser() === undefined ? {} : { user: nginxUser() }),
    };
    return runNginx({ ...spec, conf: renderNginxConf(memcachedOnlySite, spec) });
  });
  t.after(() => front.started.stop());
  const log = readFileSync(join(runDir, 'error.log'), 'utf8');
  assert.doesNotMatch(log, /\[(warn|emerg|crit)\]/, `nginx warned about its config: ${log}`);
  return { servers, port: front.port, nginx: front.started };
}

/** Stores every key on every server, the value naming the server. */
async function markEverywhere(site: Site, uris: string[]): Promise<void> {
  for (const s of site.servers) {
    const c = new MemcachedClient(s.addr, { commandTimeoutMs: 5000 });
    const ok = await Promise.all(uris.map((u) => c.set(nginxMemcachedKey(u), `marker ${s.addr}`)));
    await c.close();
    assert.ok(ok.every(Boolean), `all stored on ${s.addr}`);
  }
}

/** The marker nginx answers for each uri (or `status N`), 16 requests at a time on keep-alive connections. */
async function askNginx(port: number, uris: string[]): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const get = (uri: string) =>
    new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: target(uri), agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString() : `status ${res.statusCode}`),
        );
        res.on('error', reject);
      });
      req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${uri}`)));
      req.on('error', reject);
      req.end();
    });
  const answers: string[] = new Array(uris.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < uris.length) {
        const i = next++;
        answers[i] = await get(uris[i]!);
      }
    }),
  );
  agent.destroy();
  return answers;
}

/** uris whose answer is not `expect(uri)`, at most 5 of them described. */
function disagreements(uris: string[], answers: string[], expect: (uri: string) => string): string[] {
  const bad: string[] = [];
  uris.forEach((u, i) => {
    if (answers[i] !== `marker ${expect(u)}`)
      bad.push(`${JSON.stringify(u)}: nginx ${answers[i]}, ring ${expect(u)}`);
  });
  return bad;
}

for (const count of [2, 3]) {
  test(`nginx and our ring pick the same server for ${KEYS} random $uri values (${count} servers)`, async (t) => {
    const site = await startSite(t, count, `agree${count}`);
    if (site === undefined) return;
    const uris = randomUris(KEYS, SEED + count);
    await markEverywhere(site, uris);
    const ring = new ConsistentHashRing(site.servers.map((s) => s.addr));
    const answers = await askNginx(site.port, uris);
    const bad = disagreements(uris, answers, (u) => ring.serverFor(u));
    const perServer = site.servers.map((s) => answers.filter((a) => a === `marker ${s.addr}`).length);
    t.diagnostic(
      `seed ${SEED + count}: ${uris.length} keys, per server ${perServer.join(' / ')}, ${bad.length} disagree`,
    );
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} of ${uris.length} disagree`);
    assert.ok(
      perServer.every((n) => n > uris.length / count / 2),
      `every server gets its share: ${perServer}`,
    );
  });
}

test('with servers stopped, nginx asks the next servers in the order tryOrder() names', async (t) => {
  const site = await startSite(t, 3, 'failover');
  if (site === undefined) return;
  const uris = randomUris(1000, SEED);
  await markEverywhere(site, uris);
  const ring = new ConsistentHashRing(site.servers.map((s) => s.addr));
  const [first, second] = site.servers as [StartedMemcached, StartedMemcached, StartedMemcached];
  await first.service.stop();
  // The first server in try order that is still running: nginx's next_upstream on "error".
  const alive = (down: string[]) => (u: string) => ring.tryOrder(u).find((s) => !down.includes(s))!;
  let answers = await askNginx(site.port, uris);
  let bad = disagreements(uris, answers, alive([first.addr]));
  const movedOff = uris.filter((u) => ring.serverFor(u) === first.addr).length;
  t.diagnostic(
    `${first.addr} stopped: ${movedOff} of ${uris.length} keys answered by their next server, ${bad.length} disagree`,
  );
  assert.deepEqual(bad.slice(0, 5), [], `${bad.length} disagree with one server stopped`);
  await second.service.stop();
  answers = await askNginx(site.port, uris);
  bad = disagreements(uris, answers, alive([first.addr, second.addr]));
  assert.deepEqual(bad.slice(0, 5), [], `${bad.length} disagree with two servers stopped`);
});

test('MemcachedCluster stores each key on the server the ring names, and only there', async (t) => {
  if (requireServer(t, 'memcached', 'memcached') === undefined) return;
  const runDir = mkdtempSync(join(dir, 'cluster-'));
  const servers = [
    await startMemcached(runDir, { role: 'memcached-1' }),
    await startMemcached(runDir, { role: 'memcached-2' }),
  ];
  t.after(() => Promise.all(servers.map((s) => s.service.stop())));
  const addrs = servers.map((s) => s.addr);
  const cluster = new MemcachedCluster(addrs);
  const direct = addrs.map((a) => new MemcachedClient(a));
  t.after(async () => {
    await cluster.close();
    for (const c of direct) await c.close();
  });
  const ring = new ConsistentHashRing(addrs);
  const keys = Array.from({ length: 500 }, (_, i) => `fk:sess:${i.toString(16).padStart(32, '0')}`);
  await Promise.all(keys.map((k) => cluster.set(k, k)));
  assert.deepEqual(await cluster.versions(), [await direct[0]!.version(), await direct[1]!.version()]);
  const where = [0, 0];
  for (const k of keys) {
    const found = await Promise.all(direct.map((c) => c.get(k)));
    const holders = addrs.filter((_, i) => found[i] !== undefined);
    assert.deepEqual(holders, [ring.serverFor(k)], k);
    where[addrs.indexOf(holders[0]!)]!++;
    assert.equal((await cluster.get(k))?.value.toString(), k);
  }
  assert.ok(
    where.every((n) => n > 150),
    `both servers hold keys: ${where}`,
  );
  // Every command routes the same way: add/gets/cas/touch/gat/delete on the holder.
  const k = keys[0]!;
  assert.equal(await cluster.add(k, 'again'), false);
  const item = await cluster.gets(k);
  assert.equal(await cluster.cas(k, 'swapped', item!.cas!), 'STORED');
  assert.equal(await cluster.touch(k, 100), true);
  assert.equal((await cluster.gat(100, k))?.value.toString(), 'swapped');
  assert.equal(await cluster.delete(k), true);
  assert.equal(await direct[addrs.indexOf(ring.serverFor(k))]!.get(k), undefined);
});
