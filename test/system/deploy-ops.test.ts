import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { artifactId, buildArtifact, MANIFEST } from '../../src/deploy/artifact.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { fleetPaths } from '../../src/stages/fleet/paths.js';
import { ensureDatabase } from '../../src/store/postgres/pg-ready.js';
import { seedPostgres } from '../../src/store/postgres/pg-seed.js';
import { fakeIo } from '../helpers/fake-io.js';
import {
  deploy,
  type Loaded,
  noFailures,
  routesOnly,
  type Signalled,
  signalAt,
  status,
  underLoad,
  upstream,
} from './deploy-helpers.js';
import { accessLog, bench, canConnect, type FleetLab, fleetLab } from './fleet-lab.js';

// The deploy commands and options deploy.test.ts does not run (issue 11), on one lab of their own
// (deploy-lab.yaml: the fleet on app1-app3, app4 spare; the lb's access log on), each action
// under ~12 page views/s open-loop load where the issue promises 0 failed page views. The tests
// run in order and build on each other's state (one lab: a fleet start is ~1 min here).
const HOSTS_FILE = new URL('../fixtures/hosts/deploy-lab.yaml', import.meta.url).pathname;
const lab = fleetLab({ appHosts: 3, accessLog: true }, HOSTS_FILE);
const T = { timeout: 240_000 };
const cacheDir = (l: FleetLab) => join(l.dir, 'cache', 'artifacts');
const addr = (l: FleetLab, host: string) => l.hosts.find((h) => h.name === host)!.address;
const hostOf = (l: FleetLab, server: string) =>
  l.hosts.find((h) => h.address === server.slice(0, server.lastIndexOf(':')))?.name;

let headBuild: string | undefined;

test(
  'deploy build --ref HEAD: named by content hash, a second build is a cache hit, deploy --ref rolls it out',
  T,
  async (t) => {
    const l = await lab(t);
    if (l === undefined) return;
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_ROOT }).toString().trim();
    const b1 = await deploy(l, ['build', '--ref', 'HEAD']);
    assert.equal(b1.code, 0, b1.err);
    const id = b1.out.trim();
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.match(b1.err, new RegExp(`building HEAD \\(${commit.slice(0, 12)}\\)`));
    // "cached" too when the commit's files equal a build already in the cache (the working tree's,
    // which the fleet's start built, when src/ has no uncommitted change): content-addressed.
    assert.match(b1.err, new RegExp(`build ${id} \\(\\d+ files, .*(built now|cached)\\)`));
    t.diagnostic(b1.err.trim());
    // Content hash: the id is the hash of the artifact's manifest of every file's sha256.
    const dir = join(cacheDir(l), id);
    assert.equal(artifactId(readFileSync(join(dir, MANIFEST), 'utf8')), id);
    assert.equal(
      readFileSync(join(cacheDir(l), 'refs', commit), 'utf8').trim(),
      id,
      'commit → build recorded',
    );
    const before = statSync(join(dir, MANIFEST));
    // The second build of the same ref: no git archive, no tsc (no "building" line), the same
    // cached files untouched (same inode and mtime of its manifest).
    const b2 = await deploy(l, ['build', '--ref', 'HEAD']);
    assert.equal(b2.code, 0, b2.err);
    assert.equal(b2.out.trim(), id);
    assert.doesNotMatch(b2.err, /building HEAD/);
    assert.match(b2.err, new RegExp(`build ${id} .*cached`));
    const after = statSync(join(dir, MANIFEST));
    assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs]);
    headBuild = id;

    const { out: r, bench: b } = await underLoad(l, () => deploy(l, ['--ref', 'HEAD']));
    t.diagnostic(r.err.split('\n').slice(-6).join('\n'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`build ${id} .*cached`));
    noFailures(t, 'deploy --ref HEAD', b);
    const s = await status(l);
    assert.equal(s.current, r.out.trim());
    assert.equal(s.releases.find((x) => x.id === s.current)?.artifact, id);
    for (const h of s.hosts.filter((x) => x.inBalancer))
      assert.ok(
        h.programs.every((p) => p.artifact === id && p.release === s.current),
        `${h.host} runs build ${id}`,
      );
    routesOnly(l, s, s.current!);
  },
);

test(
  '--batch 100% --max-unavailable 2: at most 2 hosts switched at once, none ever out of the balancer',
  T,
  async (t) => {
    const l = await lab(t);
    if (l === undefined) return;
    const members = (await status(l)).hosts.filter((h) => h.inBalancer).map((h) => h.host);
    assert.equal(members.length, 3);
    const {
      out: r,
      bench: b,
      samples,
    } = await underLoad(l, () => deploy(l, ['--env', 'M=1', '--batch', '100%', '--max-unavailable', '2']));
    assert.equal(r.code, 0, r.err);
    noFailures(t, '--max-unavailable 2', b);
    assert.match(r.err, /2 at a time/);
    // The upstream file is replaced by one rename per switch, so each sample is one state of it.
    // Two switches are at least a batch's start and uptests apart (> 1 s here), sampled every
    // ~250 ms: the hosts whose entries differ between two consecutive samples are one batch.
    const byHost = (u: string[]) => {
      const m = new Map<string, string>();
      for (const h of members)
        m.set(
          h,
          u
            .filter((s) => hostOf(l, s) === h)
            .sort()
            .join(','),
        );
      return m;
    };
    const changes: number[] = [];
    for (let i = 1; i < samples.length; i++) {
      const [a, c] = [byHost(samples[i - 1]!), byHost(samples[i]!)];
      const n = members.filter((h) => a.get(h) !== c.get(h)).length;
      if (n > 0) changes.push(n);
    }
    t.diagnostic(`${samples.length} samples; hosts switched per observed change: ${changes.join(', ')}`);
    for (const u of samples)
      for (const h of members) assert.ok(byHost(u).get(h) !== '', `${h} out of the balancer in a sample`);
    assert.ok(Math.max(...changes) <= 2, `at most 2 hosts switched at once: ${changes.join(', ')}`);
    assert.deepEqual([...changes].sort(), [1, 2], 'two switches seen: a batch of 2, then the last host');
    const switches = r.err.split('\n').filter((x) => x.includes('lb now routes to'));
    assert.deepEqual(
      switches.map((x) => (x.match(/\bapp\d+:[\d,]+/g) ?? []).length),
      [2, 1],
    );
    routesOnly(l, await status(l), r.out.trim());
  },
);

test(
  'a release on a database with other users: /healthz passes, the page is wrong — stops at batch 1, never routed',
  T,
  async (t) => {
    const l = await lab(t);
    if (l === undefined) return;
    // The same server, a database seeded with 20 users of another seed: the uptests' known user
    // (of the 500 the balancer serves) is not there.
    const other = `${l.fleet.plan.databaseUrl.slice(0, l.fleet.plan.databaseUrl.lastIndexOf('/'))}/fk_other`;
    await ensureDatabase(l.fleet.plan.adminUrl!, 'fk_other');
    await seedPostgres({ url: other, users: 20, seed: 7, force: true });
    const before = await upstream(l);
    const current = (await status(l)).current!;
    const {
      out: r,
      bench: b,
      seen,
    } = await underLoad(l, () => deploy(l, ['--env', 'W=1', '--database-url', other]));
    t.diagnostic(r.err.split('\n').slice(-14).join('\n'));
    assert.notEqual(r.code, 0);
    assert.match(r.err, /E_DEPLOY_UPTEST/);
    assert.match(r.err, /stopped at the batch app1:/, 'the first batch');
    assert.match(r.err, /uptest output/);
    assert.match(r.err, /\/healthz → 200/, '/healthz passed');
    assert.match(
      r.err,
      /(POST \/login user=\d+ answered|GET \/users\/\d+ (answered 404|does not show))/,
      'what was wrong',
    );
    assert.match(r.err, /app2\s+not reached/);
    assert.match(r.err, /app3\s+not reached/);
    noFailures(t, 'wrong-page release', b);
    for (const u of seen) assert.ok(before.includes(u), `the lb listed ${u}, not of the old release`);
    assert.deepEqual((await upstream(l)).sort(), [...before].sort());
    const s = await status(l);
    assert.equal(s.current, current);
    routesOnly(l, s, current);
  },
);

test(
  'SIGINT to deploy mid-swarm: exit 130, the lb lists only live ports, the lock released, a re-run finishes',
  T,
  async (t) => {
    const l = await lab(t);
    if (l === undefined) return;
    // Three points: as the batches begin (the swarm notices before the first switch: processes
    // started, never routed), at a batch's uptest line (noticed in the runs so far right after
    // that batch's switch: the old processes left running, unrouted), and that line again with
    // the signal to the deploy's whole process group, as a terminal's Ctrl-C (its ssh commands
    // die too). None passes --break-lock: each interrupted deploy must have released the lock.
    for (const [mark, group] of [
      ['at a time', false],
      ['up and uptested', false],
      ['up and uptested', true],
    ] as const) {
      const { out: r, bench: b }: Loaded<Signalled> = await underLoad(l, () =>
        signalAt(l, ['--env', 'S=1'], mark, 'SIGINT', { group }),
      );
      t.diagnostic(
        `SIGINT${group ? ' to the group' : ''} at "${mark}": ${r.err.split('\n').slice(-6, -2).join(' | ')}`,
      );
      assert.equal(r.code, 130, r.err);
      assert.match(r.err, /interrupted \(SIGINT\)/);
      assert.doesNotMatch(r.err, /E_DEPLOY_LOCKED/);
      noFailures(t, `SIGINT${group ? ' to the group' : ''} at "${mark}"`, b);
      const ups = await upstream(l);
      assert.ok(ups.length > 0);
      for (const u of ups) {
        const [h, p] = u.split(':');
        assert.ok(await canConnect(h!, Number(p)), `the lb lists ${u}: something must answer there`);
      }
      // Processes the interrupted deploy started (or the old ones it had not stopped) run unrouted.
      const s = await status(l);
      assert.ok(s.drift.length > 0, 'status reports what the interrupted deploy left');
    }
    // No --break-lock: the interrupted deploy released its lock.
    const { out: again, bench: b2 } = await underLoad(l, () => deploy(l, ['--env', 'S=1']));
    assert.equal(again.code, 0, again.err);
    assert.doesNotMatch(again.err, /broke the lock|E_DEPLOY_LOCKED/);
    noFailures(t, 're-run after SIGINT', b2);
    const s2 = await status(l);
    assert.deepEqual(s2.drift, []);
    routesOnly(l, s2, again.out.trim());
  },
);

test(
  'deploy hosts remove app3 under load: out of the balancer before its processes stop, 0 failed',
  T,
  async (t) => {
    const l = await lab(t);
    if (l === undefined) return;
    const a3 = addr(l, 'app3');
    const ports = (await status(l)).hosts.find((h) => h.host === 'app3')!.programs.map((p) => p.port!);
    assert.ok(ports.length > 0);
    // Each sample checks first whether app3's processes still answer, then reads the upstream: once
    // they stopped (before the read), a drained-first removal has already taken app3 out of it.
    const {
      out: r,
      bench: b,
      samples,
      before,
    } = await underLoad(
      l,
      () => deploy(l, ['hosts', 'remove', 'app3']),
      async () => (await Promise.all(ports.map((p) => canConnect(a3, p)))).some(Boolean),
    );
    const live = before as boolean[];
    t.diagnostic(r.err.trim());
    assert.equal(r.code, 0, r.err);
    noFailures(t, 'hosts remove app3', b);
    const out = r.err.indexOf('app3 out of the balancer');
    assert.ok(out >= 0 && out < r.err.indexOf('app3: stopped'), 'drained, then stopped');
    assert.ok(
      live.some((x) => !x),
      'a sample saw app3 stopped',
    );
    samples.forEach((u, i) => {
      if (!live[i])
        assert.ok(!u.some((s) => s.startsWith(`${a3}:`)), `app3 stopped but routed: ${u.join(' ')}`);
    });
    const s = await status(l);
    const app3 = s.hosts.find((h) => h.host === 'app3')!;
    assert.equal(app3.inBalancer, false);
    assert.deepEqual(app3.programs, [], 'no process left on app3');
    assert.ok(!s.upstream.some((u) => u.startsWith(`${a3}:`)));
    assert.deepEqual(s.drift, []);
  },
);

test('deploy hosts add app4: 0 failed, then app4 serves its fair share of the page views', T, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const { out: r, bench: b } = await underLoad(l, () => deploy(l, ['hosts', 'add', 'app4']));
  assert.equal(r.code, 0, r.err);
  noFailures(t, 'hosts add app4', b);
  const members = (await status(l)).hosts.filter((h) => h.inBalancer).map((h) => h.host);
  assert.deepEqual(members.sort(), ['app1', 'app2', 'app4']);
  // Throughput without timing: every app host is held to 0.25 core by its cgroup, so the fleet's
  // ceiling is the sum over the hosts that take requests. Closed-loop load past what 2 hosts can
  // serve, then the lb's access log: app4 answering about a third of the app requests is its
  // core added to the ceiling. Fair share 1/3; asserted ≥ 1/6 (round robin over keep-alive
  // connections and unequal pages spread it; a host not in rotation answers 0).
  const from = (await accessLog(l)).length;
  const result = await bench(l, ['-c', '12', '-d', '4s'], join(l.dir, 'add-share.json'));
  assert.ok(result.totals.pageViews > 0);
  const lines = (await accessLog(l)).slice(from).filter((x) => x.upstreams.length > 0);
  const count = new Map<string, number>();
  for (const x of lines) {
    // The last server tried answered; memcached hits (the cache host) are no app request.
    const h = hostOf(l, x.upstreams.at(-1)!);
    if (h !== undefined && members.includes(h)) count.set(h, (count.get(h) ?? 0) + 1);
  }
  const total = [...count.values()].reduce((a, c) => a + c, 0);
  const share = (count.get('app4') ?? 0) / total;
  t.diagnostic(
    `${result.totals.pageViews} page views, ${total} app requests: ${[...count].map(([h, n]) => `${h} ${n}`).join(', ')}; app4 ${(share * 100).toFixed(0)} %`,
  );
  assert.ok(total > 50, 'enough app requests to judge');
  assert.ok(share >= 1 / 6, `app4 answered ${(share * 100).toFixed(0)} % of the app requests`);
});

test(
  '--keep 3: after 4 builds only the newest 3 stay on each host; rollback to a pruned one is a clear error',
  T,
  async (t) => {
    const l = await lab(t);
    if (l === undefined) return;
    assert.ok(headBuild !== undefined, 'the --ref test ran');
    // K = 3, more than current + previous: the swarm once kept only those two whatever --keep said.
    const oldRelease = (await status(l)).current!;
    // Distinct builds without new commits and tsc runs: variants of HEAD's build (one extra file
    // each, so another content hash), put in the local cache, and the cache's entry for HEAD's
    // commit pointed at each in turn — `deploy --ref HEAD` then ships it as a new commit's build.
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_ROOT }).toString().trim();
    const variants: string[] = [];
    for (const n of [1, 2, 3]) {
      const tmp = mkdtempSync(join(l.dir, 'variant-'));
      cpSync(join(cacheDir(l), headBuild), tmp, { recursive: true });
      rmSync(join(tmp, MANIFEST));
      writeFileSync(join(tmp, 'dist', 'fk-variant.txt'), `variant ${n}\n`);
      const a = await buildArtifact({ root: tmp, cacheDir: cacheDir(l) });
      rmSync(tmp, { recursive: true, force: true });
      writeFileSync(join(cacheDir(l), 'refs', commit), `${a.id}\n`);
      const r = await deploy(l, ['--ref', 'HEAD', '--keep', '3', '--batch', '100%']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, new RegExp(`build ${a.id}`));
      variants.push(a.id);
    }
    const s = await status(l);
    const members = s.hosts.filter((h) => h.inBalancer).map((h) => h.host);
    for (const host of members) {
      const io = fakeIo();
      const dir: string = fleetPaths(l.hosts.find((h) => h.name === host)!.dirs).releases;
      assert.equal(
        await runCli(['lab', 'exec', host, '--name', l.name, '--', 'ls', dir], io),
        0,
        io.err.join(''),
      );
      const listed = io.out
        .join('')
        .split('\n')
        .filter((x) => x !== '' && !x.endsWith('.incoming'));
      t.diagnostic(`${host}: ${listed.join(' ')}`);
      assert.deepEqual(listed.sort(), [...variants].sort(), `${host} keeps the newest 3 builds`);
      const running = s.hosts.find((h) => h.host === host)!.programs;
      assert.ok(
        running.length > 0 && running.every((p) => p.artifact === variants.at(-1)),
        'the running one stays',
      );
    }
    const before = await upstream(l);
    const rb = await deploy(l, ['rollback', oldRelease]);
    t.diagnostic(rb.err.trim());
    assert.notEqual(rb.code, 0);
    assert.match(rb.err, /E_DEPLOY_PRUNED/);
    assert.match(rb.err, new RegExp(`build \\w+ is no longer on ${members.join(', ')}`));
    assert.match(rb.err, /hint: .*--keep K.*deploy --ref/);
    assert.deepEqual((await upstream(l)).sort(), before.sort(), 'nothing changed');
    const s2 = await status(l);
    assert.equal(s2.current, s.current);
    assert.deepEqual(s2.drift, []);
  },
);
