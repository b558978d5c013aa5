import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { readRunningLab } from '../../src/remote/hosts.js';
import { FLEET_PORTS } from '../../src/stages/fleet/plan.js';
import { startFleet } from '../../src/stages/fleet/start.js';
import { fakeIo } from '../helpers/fake-io.js';
import { request, staticLinks } from '../helpers/stage-fixture.js';
import { bench, fleetLab, memcachedStats, sleep, USERS } from './fleet-lab.js';

// Stage fleet on a lab of its own (7 hosts), driven only over ssh: what runs where, a static file
// through two cache hosts, `bench` from this machine, and a stop that leaves nothing running.
const lab = fleetLab();

test('fleet: every role on its host, under its supervisord, in its cgroup, on its own address', {
  timeout: 120_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const { fleet } = l;
  const tm = fleet.timings;
  t.diagnostic(
    `fleet start on 7 lab hosts (first start: initdb, seed ${USERS} users, artifact built and shipped): ${(l.startMs / 1000).toFixed(1)} s — ` +
      `probe+build ${ms(tm.probeAndBuildMs)}, configs ${ms(tm.prepareMs)}, backends ${ms(tm.backendsMs)}, seed ${ms(tm.seedMs)}, ` +
      `app hosts ${ms(tm.appsMs)}, lb ${ms(tm.lbMs)}, smoke ${ms(tm.smokeMs)}`,
  );
  assert.equal(fleet.url, `http://${l.hosts.find((h) => h.name === 'lb')!.address}:${FLEET_PORTS.lb}`);
  assert.equal(fleet.seed.seeded, true);
  const state = readRunningLab(l.name);
  for (const h of fleet.plan.hosts) {
    // Ready (answering) can come before supervisor's startsecs made it RUNNING.
    let status = await fleet.host(h.name).status();
    for (let i = 0; i < 30 && status.some((s) => s.state === 'STARTING'); i++) {
      await sleep(100);
      status = await fleet.host(h.name).status();
    }
    assert.deepEqual(
      status.map((s) => `${s.name} ${s.state}`),
      h.programs.map((p) => `${p.name} RUNNING`),
      h.name,
    );
    const procs = readFileSync(state.hosts.find((x) => x.name === h.name)!.cgroupProcs[0]!, 'utf8').split(
      '\n',
    );
    for (const s of status)
      assert.ok(procs.includes(String(s.pid)), `${h.name}/${s.name} is in the host's cgroup`);
  }
  // The ladder's /proc sampler sees the lab hosts' processes, by host and program.
  const roles = fleet.processes().map((p) => p.role);
  for (const r of [
    'lb/nginx',
    'lb/nginx-worker-1',
    'app1/app-1',
    'app2/app-1',
    'cache1/memcached',
    'sessions/redis',
    'db/postgres',
  ])
    assert.ok(roles.includes(r), `${r} in ${roles.join(', ')}`);
  // PostgreSQL as postgres, its data in the db host's own folder on disk.
  const pg = fleet.processes().find((p) => p.role === 'db/postgres')!;
  assert.match(readFileSync(`/proc/${pg.pid}/status`, 'utf8'), /^Uid:\s+(\d+)/m);
  const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pg.pid}/status`, 'utf8'))![1];
  assert.notEqual(uid, '0', 'not root');
  assert.ok(existsSync(join(state.hosts.find((x) => x.name === 'db')!.dirsOnDisk.lib, 'pg', 'PG_VERSION')));
  // Each daemon listens on its host's address only: from another host, the db answers; nothing on loopback there.
  const app1 = fleet.host('app1');
  const db = l.hosts.find((h) => h.name === 'db')!;
  const reach = await app1.remote.exec(['bash', '-c', `exec 3<>/dev/tcp/${db.address}/5432 && echo open`]);
  assert.equal(reach.stdout.trim(), 'open');
  const local = await fleet
    .host('db')
    .remote.exec(['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/5432 && echo open']);
  assert.notEqual(local.stdout.trim(), 'open', 'PostgreSQL listens on the host address, not loopback');
  // CPU per host, for the capacity command: cumulative, from the cgroups.
  const a = await fleet.hostCpu();
  await sleep(300);
  const b = await fleet.hostCpu();
  assert.deepEqual(
    a.map((x) => x.host),
    ['lb', 'app1', 'app2', 'cache1', 'cache2', 'sessions', 'db'],
  );
  assert.deepEqual(
    a.map((x) => x.quota),
    [0.75, 0.25, 0.25, 0.25, 0.25, 0.1, 0.5],
  );
  assert.ok(b.every((x, i) => x.usageUs >= a[i]!.usageUs && x.atMs > a[i]!.atMs));
});

test('two cache hosts: a static file fetched twice is a hit, whichever app process filled it', {
  timeout: 120_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const url = l.fleet.url;
  const fillers = new Set<string>();
  let pairs = 0;
  for (let n = 300; n < 340; n++) {
    const path = `/static/thumbs/t0${n}.png`;
    const first = await request(url, path);
    assert.equal(first.status, 200, path);
    if (first.headers.get('x-cache') !== 'MISS') continue; // filled by an earlier run of this lab's fleet
    fillers.add(first.headers.get('x-served-by') ?? '');
    let second = await request(url, path);
    for (let i = 0; i < 20 && second.headers.get('x-cache') !== 'HIT'; i++) {
      await sleep(25);
      second = await request(url, path);
    }
    assert.equal(
      second.headers.get('x-cache'),
      'HIT',
      `${path} filled by ${first.headers.get('x-served-by')}`,
    );
    assert.equal(second.body, first.body);
    pairs++;
  }
  const items = await Promise.all(
    l.fleet.plan.cacheServers.map(async (s) => Number((await memcachedStats(s)).get('curr_items'))),
  );
  t.diagnostic(
    `${pairs} files: MISS then HIT; filled by ${[...fillers].join(', ')}; items per cache host ${items.join(', ')}`,
  );
  assert.ok(pairs >= 30, `${pairs} fresh files`);
  assert.equal(fillers.size, 2, 'both app processes filled some');
  assert.ok(
    items.every((n) => n > 0),
    'the ring spreads the files over both cache hosts',
  );
});

test('bench --page from this machine against the lb address works as against any site', {
  timeout: 120_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const r = await bench(l, ['-c', '8', '-t', '1', '-d', '3s', '--warmup', '1s'], join(l.dir, 'bench.json'));
  t.diagnostic(
    `bench --page -c 8 -d 3s: ${r.rates.pageViewsPerS} page views/s (${r.rates.requestsPerS} requests/s), p99 ${(r.latency.p99 / 1000).toFixed(1)} ms, errors ${r.totals.errors}; generator saturated: ${r.generator.saturated}`,
  );
  assert.ok(r.totals.pageViews > 20, `${r.totals.pageViews} page views`);
  assert.equal(r.totals.errors, 0, JSON.stringify(r.errors));
  assert.equal(r.logins.failed, 0);
  assert.deepEqual(Object.keys(r.statusCodes), ['200']);
});

test('stop: every program, then supervisord, on every host; twice is fine; a second start reuses the release and the data', {
  timeout: 120_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const t0 = performance.now();
  await l.fleet.stop();
  const stopMs = performance.now() - t0;
  await l.fleet.stop();
  const state = readRunningLab(l.name);
  for (const h of state.hosts) {
    const procs = readFileSync(h.cgroupProcs[0]!, 'utf8').trim().split('\n').map(Number);
    const comms = procs.map((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      } catch {
        return 'gone';
      }
    });
    assert.deepEqual(
      comms.filter((c) => c !== 'sshd' && c !== 'gone'),
      [],
      `${h.name}: only sshd is left`,
    );
    assert.ok(!existsSync(join(h.dirsOnDisk.lib, 'supervisor', 'supervisord.pid')), `${h.name}: no pid file`);
    assert.ok(!existsSync(join(h.dirsOnDisk.lib, 'supervisor', 'supervisor.sock')), `${h.name}: no socket`);
    assert.ok(existsSync(join(h.dirsOnDisk.log, 'supervisord.log')), `${h.name}: its logs stay`);
  }
  const t1 = performance.now();
  const again = await startFleet({
    hosts: l.hosts,
    runDir: join(l.dir, 'run2'),
    cacheDir: join(l.dir, 'cache', 'artifacts'),
    users: USERS,
  });
  const restartMs = performance.now() - t1;
  try {
    t.diagnostic(`stop ${ms(stopMs)}; second start (release and data kept) ${ms(restartMs)}`);
    assert.equal(again.artifact.built, false, 'the artifact came from the cache');
    assert.equal(again.artifact.id, l.fleet.artifact.id);
    assert.equal(again.seed.seeded, false, 'seeded once per lab');
    const front = await request(again.url, '/');
    assert.equal(front.status, 200);
    assert.ok(staticLinks(front.body).length > 0);
  } finally {
    await again.stop();
  }
});

test('serve --stage fleet --lab NAME with no such lab says so in one line', {
  timeout: 120_000,
}, async () => {
  const io = fakeIo();
  assert.equal(await runCli(['serve', '--stage', 'fleet', '--lab', 'nolab9'], io), 1);
  assert.match(io.err.join(''), /^flickr-killr: lab nolab9 is not up \[E_LAB_NOT_FOUND\]\n/);
  const both = fakeIo();
  assert.equal(await runCli(['serve', '--stage', 'fleet', '--lab', 'x', '--hosts', 'h.yaml'], both), 2);
  assert.match(both.err.join(''), /--hosts FILE or --lab NAME, not both/);
  const sqlite = fakeIo();
  assert.equal(await runCli(['serve', '--stage', 'fleet', '--db', 'x.db', '--lab'], sqlite), 2);
  assert.match(sqlite.err.join(''), /may only name a postgres:\/\/ server/);
});

const ms = (n: number) => `${(n / 1000).toFixed(2)} s`;
