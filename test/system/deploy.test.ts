import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchResult } from '../../src/bench/index.js';
import { runCli } from '../../src/cli/run.js';
import { hostLinkArgv } from '../../src/lab/net-argv.js';
import { runLocal } from '../../src/remote/run-local.js';
import { fakeIo } from '../helpers/fake-io.js';
import {
  cacheArgs,
  deploy,
  noFailures,
  type Run,
  routesOnly,
  signalAt,
  status,
  underLoad,
  upstream,
} from './deploy-helpers.js';
import { canConnect, type FleetLab, fleetLab, sleep } from './fleet-lab.js';

// issue 11's guarantees on a lab of its own (deploy-lab.yaml: the fleet on app1-app3, app4 spare),
// each action with the benchmarker running open-loop (page views/s) against the lb.
const HOSTS_FILE = new URL('../fixtures/hosts/deploy-lab.yaml', import.meta.url).pathname;
const lab = fleetLab({ appHosts: 3 }, HOSTS_FILE);
const T = { timeout: 240_000 };

let first: string | undefined;
let second: string | undefined;

test('deploy: a rolling deploy of a new release to every app host, 0 failed page views', T, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const { out: r, bench } = await underLoad(l, () => deploy(l, ['--env', 'X=1']));
  t.diagnostic(r.err.split('\n').slice(-8).join('\n'));
  assert.equal(r.code, 0, r.err);
  second = r.out.trim();
  noFailures(t, 'rolling deploy', bench);
  const s = await status(l);
  assert.equal(s.current, second);
  const members = s.hosts.filter((h) => h.inBalancer);
  assert.deepEqual(members.map((h) => h.host).sort(), ['app1', 'app2', 'app3']);
  for (const h of members)
    assert.ok(
      h.programs.some((p) => p.release === second && p.routed && p.healthy),
      `${h.host} serves ${second}`,
    );
  routesOnly(l, s, second);
});

test('deploy rollback under load: 0 failed page views, the previous release again', T, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  assert.ok(second !== undefined, 'the rolling deploy ran');
  // The processes `serve --stage fleet` started are no recorded release: a second deploy first,
  // so that the release of the first one is the previous one.
  first = second;
  const d2 = await deploy(l, ['--env', 'X=2', '--batch', '100%']);
  assert.equal(d2.code, 0, d2.err);
  second = d2.out.trim();
  const { out: r, bench } = await underLoad(l, () => deploy(l, ['rollback']));
  t.diagnostic(r.err.split('\n').slice(-6).join('\n'));
  assert.equal(r.code, 0, r.err);
  noFailures(t, 'rollback', bench);
  const s = await status(l);
  assert.equal(s.current, r.out.trim());
  assert.notEqual(s.current, second);
  if (first !== undefined) assert.equal(s.current, first);
  routesOnly(l, s, s.current!);
});

test(
  'deploy of a release that crashes on start: exit ≠ 0, uptest output and log tail, never routed',
  T,
  async (t) => {
    const l = await lab(t);
    if (l === undefined) return;
    const before = await upstream(l);
    const current = (await status(l)).current!;
    const {
      out: r,
      bench,
      seen,
    } = await underLoad(l, () => deploy(l, ['--env', 'NODE_OPTIONS=--require=/nonexistent.cjs']));
    assert.notEqual(r.code, 0);
    assert.match(r.err, /E_DEPLOY_UPTEST|failed its uptests/);
    assert.match(r.err, /uptest output/);
    assert.match(r.err, /healthz/);
    assert.match(r.err, /Cannot find module/, 'the log tail');
    noFailures(t, 'broken release', bench);
    for (const u of seen) assert.ok(before.includes(u), `the lb listed ${u}, not of the old release`);
    assert.deepEqual((await upstream(l)).sort(), [...before].sort());
    const s = await status(l);
    routesOnly(l, s, current);
  },
);

test('deploy hosts add app4 under load: 0 failed, app4 in the balancer', T, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const { out: r, bench } = await underLoad(l, () => deploy(l, ['hosts', 'add', 'app4']));
  t.diagnostic(r.err.split('\n').slice(-6).join('\n'));
  assert.equal(r.code, 0, r.err);
  noFailures(t, 'hosts add app4', bench);
  const s = await status(l);
  const app4 = s.hosts.find((h) => h.host === 'app4')!;
  assert.ok(app4.inBalancer, 'app4 in the balancer');
  assert.ok(app4.programs.some((p) => p.routed && p.healthy && p.release === s.current));
  const addr = l.hosts.find((h) => h.name === 'app4')!.address;
  assert.ok(
    s.upstream.some((u) => u.startsWith(`${addr}:`)),
    `upstream ${s.upstream.join(' ')}`,
  );
  routesOnly(l, s, s.current!);
});

test('deploy killed (SIGKILL) mid-swarm: the lb lists only live ports; stale lock; --break-lock finishes', {
  timeout: 300_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  // Killed once before its first switch, then (the lock broken) once right after a switch;
  // after each, every port the lb lists must have a process behind it.
  const kills = [
    { mark: 'up and uptested', args: ['--env', 'K=1'] },
    { mark: 'lb now routes to', args: ['--env', 'K=2', '--break-lock'] },
  ];
  for (const { mark, args } of kills) {
    const { out: killed, bench } = await underLoad(l, () => killAt(l, args, mark));
    t.diagnostic(`killed after "${mark}": ${killed.split('\n').slice(-3).join(' | ')}`);
    noFailures(t, `kill after "${mark}"`, bench);
    if (args.includes('--break-lock')) assert.match(killed, /broke the lock/);
    const ups = await upstream(l);
    assert.ok(ups.length > 0);
    for (const u of ups) {
      const [h, p] = u.split(':');
      assert.ok(await canConnect(h!, Number(p)), `the lb lists ${u}: something must answer there`);
    }
    const locked = await deploy(l, ['--env', 'K=2']);
    assert.notEqual(locked.code, 0);
    assert.match(locked.err, /E_DEPLOY_LOCKED/);
    assert.match(locked.err, /held by .* s ago/);
  }
  const rerun: { out: Run; bench: BenchResult } = await underLoad<Run>(l, () =>
    deploy(l, ['--env', 'K=2', '--break-lock', '--batch', '2']),
  );
  const { out: again, bench: b2 } = rerun;
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /broke the lock/);
  noFailures(t, 're-run with --break-lock', b2);
  routesOnly(l, await status(l), again.out.trim());
});

/** `deploy ARGS` as a child process, SIGKILLed once stderr shows `mark`; its stderr. */
async function killAt(l: FleetLab, args: string[], mark: string): Promise<string> {
  const r = await signalAt(l, args, mark, 'SIGKILL');
  if (r.signal !== 'SIGKILL') throw new Error(`deploy exited ${r.code} before the kill: ${r.err}`);
  return r.err;
}

test('an app host unreachable mid-deploy: a clear stop, status shows it, the re-run finishes', {
  timeout: 300_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  const app2 = l.hosts.find((h) => h.name === 'app2')!;
  const link = (state: 'up' | 'down') => runLocal(hostLinkArgv(app2.lab!.netns, state), { timeoutMs: 5000 });
  const io = fakeIo();
  const args = ['deploy', '--env', 'U=1', ...cacheArgs(l)];
  const running = runCli(args, io).catch((e: Error) => {
    io.err.push(String(e));
    return -1;
  });
  try {
    // app2 goes once app1's batch is in the balancer (every host was inventoried before).
    for (let i = 0; i < 1200 && !/lb now routes to app1/.test(io.err.join('')); i++) await sleep(100);
    assert.match(io.err.join(''), /lb now routes to app1/);
    await link('down');
    const code = await running;
    const err = io.err.join('');
    t.diagnostic(err.split('\n').slice(-10).join('\n'));
    assert.notEqual(code, 0);
    assert.match(err, /where each host is/);
    assert.match(err, /app1\s+switched/);
    // Not "exited 255": the step whose ssh connection died under it says the host is unreachable.
    assert.match(err, /app2\s+not reached\s+host app2 \(.*\) unreachable over ssh/);
    assert.doesNotMatch(err, /exited 255:/);
    const s = await status(l);
    const app2s = s.hosts.find((h) => h.host === 'app2')!;
    assert.equal(app2s.reachable, false, 'status: app2 unreachable');
    assert.match(app2s.error ?? '', /unreachable over ssh/);
  } finally {
    await link('up');
    await running;
  }
  const again = await deploy(l, ['--env', 'U=1', '--batch', '2']);
  t.diagnostic(again.err.split('\n').slice(-6).join('\n'));
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /app1\s+already/);
  const s = await status(l);
  assert.ok(s.hosts.find((h) => h.host === 'app2')!.reachable);
  routesOnly(l, s, again.out.trim());
});
