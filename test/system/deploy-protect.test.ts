import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import type { FleetStatus } from '../../src/deploy/status.js';
import { connect } from '../../src/remote/ssh-remote.js';
import { protectLimitPath } from '../../src/stages/fleet/lb-conf.js';
import { fleetPaths } from '../../src/stages/fleet/paths.js';
import { programFilePath } from '../../src/stages/fleet/supervisord-conf.js';
import { fakeIo } from '../helpers/fake-io.js';
import { type FleetLab, fleetLab } from './fleet-lab.js';

// A fleet started with --protect (4 requests in flight per app process) on app1 alone, app2
// spare (deploy-protect-lab.yaml): a deploy keeps every new process bounded, and the lb's
// limit_conn follows `deploy hosts add|remove`.
const HOSTS_FILE = new URL('../fixtures/hosts/deploy-protect-lab.yaml', import.meta.url).pathname;
const lab = fleetLab({ appHosts: 1, protect: { maxInFlight: 4 } }, HOSTS_FILE);

async function deploy(l: FleetLab, args: string[]) {
  const io = fakeIo();
  const code = await runCli(
    ['deploy', ...args, '--lab', l.name, '--cache', join(l.dir, 'cache', 'artifacts')],
    io,
  ).catch((e: Error) => {
    io.err.push(String(e));
    return -1;
  });
  return { code, out: io.out.join(''), err: io.err.join('') };
}

async function status(l: FleetLab): Promise<FleetStatus> {
  const r = await deploy(l, ['status', '--json']);
  assert.ok(r.out.startsWith('{'), `deploy status --json: ${r.err}`);
  return JSON.parse(r.out) as FleetStatus;
}

/** `cmd` through sh on a host of the lab (also one the fleet did not start anything on). */
async function sh(l: FleetLab, host: string, cmd: string): Promise<string> {
  const remote = connect(l.hosts.find((h) => h.name === host)!);
  try {
    const r = await remote.exec(['sh', '-c', cmd], { timeoutMs: 15_000 });
    assert.equal(r.code, 0, `${host}: ${cmd}: ${r.stderr}`);
    return r.stdout;
  } finally {
    await remote.close();
  }
}

/** The limit_conn value the lb's nginx has in its limit file, on the lb host. */
async function lbLimit(l: FleetLab): Promise<number> {
  const lb = l.hosts.find((h) => h.roles.includes('lb'))!;
  const text = await sh(l, lb.name, `cat ${protectLimitPath(fleetPaths(lb.dirs))}`);
  const m = /^limit_conn fk_protect (\d+);$/m.exec(text);
  assert.ok(m !== null, text);
  return Number(m[1]);
}

/** The host runs a process of `release`, and supervisor started it with --max-in-flight `n`. */
async function startedBounded(l: FleetLab, s: FleetStatus, host: string, release: string, n: number) {
  const h = s.hosts.find((x) => x.host === host)!;
  const p = h.programs.find((x) => x.release === release && x.state === 'RUNNING');
  assert.ok(p?.pid !== undefined, `${host} runs ${release}: ${JSON.stringify(h)}`);
  const paths = fleetPaths(l.hosts.find((x) => x.name === host)!.dirs);
  const command = await sh(l, host, `grep '^command=' ${programFilePath(paths, p.name)}`);
  assert.match(command, new RegExp(`--max-in-flight '?${n}'?\\s`), command);
  const cmdline = await sh(l, host, `tr '\\0' ' ' < /proc/${p.pid}/cmdline`);
  assert.match(cmdline, new RegExp(`--max-in-flight ${n} `), `pid ${p.pid}: ${cmdline}`);
}

test('a protected fleet: deploy keeps max-in-flight; hosts add raises the lb limit, hosts remove lowers it', {
  timeout: 400_000,
}, async (t) => {
  const l = await lab(t);
  if (l === undefined) return;
  // 1 app process (app1: 0.25 core) × 4.
  assert.equal(await lbLimit(l), 4);

  const d = await deploy(l, ['--env', 'P=1']);
  t.diagnostic(d.err.split('\n').slice(-6).join('\n'));
  assert.equal(d.code, 0, d.err);
  assert.match(d.err, /max 4 in flight per process/);
  const id = d.out.trim();
  let s = await status(l);
  assert.equal(s.current, id);
  assert.equal(s.releases.find((r) => r.id === id)?.config.maxInFlight, 4, 'the release carries it');
  await startedBounded(l, s, 'app1', id, 4);
  assert.equal(await lbLimit(l), 4);

  const add = await deploy(l, ['hosts', 'add', 'app2']);
  t.diagnostic(add.err.split('\n').slice(-6).join('\n'));
  assert.equal(add.code, 0, add.err);
  assert.match(add.err, /limit_conn 8/);
  assert.equal(await lbLimit(l), 8, 'the bound rose with the upstream');
  s = await status(l);
  assert.ok(s.hosts.find((h) => h.host === 'app2')?.inBalancer);
  assert.deepEqual(s.drift, [], 'no drift after hosts add');
  await startedBounded(l, s, 'app2', id, 4);

  const rm = await deploy(l, ['hosts', 'remove', 'app2']);
  t.diagnostic(rm.err.trim());
  assert.equal(rm.code, 0, rm.err);
  assert.equal(await lbLimit(l), 4, 'and fell with it');
});
