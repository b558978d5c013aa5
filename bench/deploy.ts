/**
 * How long `deploy` takes on a 4-app-host lab (issue 11's speed targets: deploy ≤ 30 s with the
 * build cached, rollback ≤ 10 s), and whether throughput rises once `hosts add` puts a node in
 * the balancer. Makes its own lab from test/fixtures/hosts/deploy-lab.yaml (app hosts 0.25 core
 * each, so they are the bottleneck), 500 users; removes it at the end.
 *   times:      the fleet on app1-app3; times in-process a first deploy, hosts add app4, deploy
 *               to 4 hosts at batch 1, at batch 2, rollback (default batch 100%). Config-only
 *               releases (`--env`): the build is already on the hosts, as in the targets.
 *   throughput: the fleet on app1 only; one deploy (hosts add needs a current release); the
 *               closed-loop saturated page-view rate (bench --page -c 16, 5 s after 1 s warm-up,
 *               3 runs, median) before and after `hosts add app2`; both and their ratio.
 * Run as root: npm run build && npx tsx bench/deploy.ts [times|throughput|all] [--name LAB]
 * (times ~3 min, throughput ~2 min)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench } from '../src/bench/index.js';
import type { Io } from '../src/cli/io.js';
import { runCli } from '../src/cli/run.js';
import { hostsForLab } from '../src/remote/hosts.js';
import { hostCpuReader } from '../src/stages/fleet/host-cpu.js';
import { type RunningFleet, startFleet } from '../src/stages/fleet/start.js';

const HOSTS_FILE = new URL('../test/fixtures/hosts/deploy-lab.yaml', import.meta.url).pathname;
const args = process.argv.slice(2);
const mode = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--name') ?? 'all';
const given = args.includes('--name') ? args[args.indexOf('--name') + 1] : undefined;
const random = () =>
  `db${Math.floor(Math.random() * 36 ** 5)
    .toString(36)
    .padStart(5, '0')}`;
if (!['times', 'throughput', 'all'].includes(mode))
  throw new Error(`mode: times, throughput or all, not ${mode}`);
let name = given ?? random();
let dir = '';
let cache = '';

function io(): Io & { err: string[] } {
  const err: string[] = [];
  return {
    err,
    stdout: () => {},
    stderr: (t) => err.push(t),
    isTTY: false,
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
  };
}

async function timed(label: string, args: string[]): Promise<void> {
  const o = io();
  const t0 = performance.now();
  const code = await runCli(['deploy', ...args, '--lab', name, '--cache', cache], o);
  const s = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${label}: exit ${code}\n${o.err.join('')}`);
  console.log(`${label.padEnd(34)} ${s.toFixed(1).padStart(6)} s`);
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** A fresh lab and fleet on the first `appHosts` app hosts; `fn`; then both removed. */
async function onLab(appHosts: number, fn: (fleet: RunningFleet) => Promise<void>): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'fk-bench-deploy-'));
  cache = join(dir, 'cache', 'artifacts');
  let fleet: RunningFleet | undefined;
  try {
    console.log(`bench/deploy: lab ${name}, ${new Date().toISOString()}, load average ${load()}`);
    const up = io();
    if ((await runCli(['lab', 'up', '--hosts', HOSTS_FILE, '--name', name], up)) !== 0)
      throw new Error(`lab up: ${up.err.join('')}`);
    fleet = await startFleet({
      hosts: hostsForLab(name),
      runDir: join(dir, 'run'),
      cacheDir: cache,
      users: 500,
      appHosts,
    });
    await fn(fleet);
    console.log(`load average after: ${load()}`);
  } finally {
    await fleet?.stop().catch((e: Error) => console.error(`fleet stop: ${e.message}`));
    await runCli(['lab', 'down', '--name', name], io());
    rmSync(dir, { recursive: true, force: true });
  }
}

async function times(): Promise<void> {
  await onLab(3, async () => {
    await timed('deploy 3 hosts, batch 1 (first)', ['--env', 'BENCH=0', '--batch', '1']);
    await timed('hosts add app4 (ships the build)', ['hosts', 'add', 'app4']);
    await timed('deploy 4 hosts, batch 1', ['--env', 'BENCH=1', '--batch', '1']);
    await timed('deploy 4 hosts, batch 2', ['--env', 'BENCH=2', '--batch', '2']);
    await timed('rollback (batch 100%)', ['rollback']);
  });
}

/**
 * The closed-loop saturated page-view rate through the lb: median of 3 runs of 5 s (1 s warm-up
 * each), with the cores each busy host used over the 3 runs (its cgroup) and the generator's own
 * saturation warnings: the figure is the app hosts' only when they are the ones at their quota.
 */
async function saturated(fleet: RunningFleet, label: string): Promise<number> {
  const rates: number[] = [];
  const cpu = hostCpuReader(hostsForLab(name), new Map(), {});
  const c0 = await cpu();
  const warnings = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const r = await runBench({
      urls: [`${fleet.url}/users/{1..500}`],
      page: true,
      login: `POST ${fleet.url}/login user={1..500}`,
      connections: 16,
      threads: 1,
      durationMs: 5000,
      warmupMs: 1000,
      timeoutMs: 10_000,
    });
    if (r.pageViewsFailed > 0) throw new Error(`${label}: ${r.pageViewsFailed} failed page views`);
    rates.push(r.totals.pageViews / r.durationS);
    for (const w of r.generator.warnings) warnings.add(w);
  }
  const c1 = await cpu();
  const used = c1
    .map((h) => {
      const h0 = c0.find((x) => x.host === h.host)!;
      return { host: h.host, quota: h.quota, cores: (h.usageUs - h0.usageUs) / 1000 / (h.atMs - h0.atMs) };
    })
    .filter((h) => h.cores >= 0.02);
  const median = [...rates].sort((a, b) => a - b)[1]!;
  console.log(
    `${label.padEnd(34)} ${median.toFixed(1).padStart(6)} page views/s (runs ${rates.map((x) => x.toFixed(1)).join(', ')}; load ${load()})`,
  );
  console.log(
    `${''.padEnd(34)} cores used: ${used.map((h) => `${h.host} ${h.cores.toFixed(2)}/${h.quota}`).join(', ')}`,
  );
  for (const w of warnings) console.log(`${''.padEnd(34)} bench: ${w}`);
  return median;
}

async function throughput(): Promise<void> {
  await onLab(1, async (fleet) => {
    await timed('deploy 1 host (first)', ['--env', 'BENCH=0']);
    const before = await saturated(fleet, 'saturated, app1 only');
    await timed('hosts add app2 (ships the build)', ['hosts', 'add', 'app2']);
    const after = await saturated(fleet, 'saturated, app1 + app2');
    console.log(`throughput after / before hosts add: ${(after / before).toFixed(2)}×`);
  });
}

if (mode === 'times' || mode === 'all') await times();
if (mode === 'all') name = given === undefined ? random() : name;
if (mode === 'throughput' || mode === 'all') await throughput();
