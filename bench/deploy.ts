/**
 * How long `deploy` takes on a 4-app-host lab (issue 11's speed targets: deploy ≤ 30 s with the
 * build cached, rollback ≤ 10 s). Makes its own lab from test/fixtures/hosts/deploy-lab.yaml, the
 * fleet on app1-app3 with 500 users, then times in-process: a first deploy, hosts add app4, deploy to 4 hosts at
 * batch 1, at batch 2, rollback (default batch 100%); prints the figures and removes the lab.
 * Config-only releases (`--env`): the build is already on the hosts, as in the targets.
 * Run as root: npm run build && npx tsx bench/deploy.ts   (~3 min)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Io } from '../src/cli/io.js';
import { runCli } from '../src/cli/run.js';
import { hostsForLab } from '../src/remote/hosts.js';
import { type RunningFleet, startFleet } from '../src/stages/fleet/start.js';

const HOSTS_FILE = new URL('../test/fixtures/hosts/deploy-lab.yaml', import.meta.url).pathname;
const name = `db${Math.floor(Math.random() * 36 ** 5)
  .toString(36)
  .padStart(5, '0')}`;
const dir = mkdtempSync(join(tmpdir(), 'fk-bench-deploy-'));
const cache = join(dir, 'cache', 'artifacts');

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

let fleet: RunningFleet | undefined;
try {
  console.log(
    `bench/deploy: lab ${name}, ${new Date().toISOString()}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const up = io();
  if ((await runCli(['lab', 'up', '--hosts', HOSTS_FILE, '--name', name], up)) !== 0)
    throw new Error(`lab up: ${up.err.join('')}`);
  fleet = await startFleet({
    hosts: hostsForLab(name),
    runDir: join(dir, 'run'),
    cacheDir: cache,
    users: 500,
    appHosts: 3,
  });
  await timed('deploy 3 hosts, batch 1 (first)', ['--env', 'BENCH=0', '--batch', '1']);
  await timed('hosts add app4 (ships the build)', ['hosts', 'add', 'app4']);
  await timed('deploy 4 hosts, batch 1', ['--env', 'BENCH=1', '--batch', '1']);
  await timed('deploy 4 hosts, batch 2', ['--env', 'BENCH=2', '--batch', '2']);
  await timed('rollback (batch 100%)', ['rollback']);
  console.log(
    `load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await fleet?.stop().catch((e: Error) => console.error(`fleet stop: ${e.message}`));
  await runCli(['lab', 'down', '--name', name], io());
  rmSync(dir, { recursive: true, force: true });
}
