import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Prerequisite } from '../../../src/daemons/prereq.js';
import { ensurePrerequisites } from '../../../src/setup/ensure.js';
import { type MachineFacts, planInstall, type Runner, runInstall } from '../../../src/setup/install.js';
import { prerequisitesFor } from '../../../src/setup/needs.js';

const root: MachineFacts = { isRoot: true, sudo: false, aptGet: true, noInstall: false };
const NGINX: Prerequisite = { binary: 'nginx', debianPackage: 'nginx' };
const PG: Prerequisite = { binary: 'initdb', debianPackage: 'postgresql' };

test("the ladder needs the stages' own daemons; tests need everything, each package once", () => {
  assert.deepEqual(
    prerequisitesFor(['ladder']).map((p) => p.debianPackage),
    ['lighttpd', 'nginx', 'redis-server', 'memcached'],
  );
  const all = prerequisitesFor(['tests']).map((p) => p.debianPackage);
  for (const pkg of ['nginx', 'postgresql', 'openssh-server', 'supervisor', 'iproute2', 'chromium'])
    assert.ok(all.includes(pkg), pkg);
  assert.equal(new Set(all).size, all.length);
});

test('the plan: install as root, with sudo -n otherwise, else the one command to run', () => {
  assert.deepEqual(planInstall([], root), { kind: 'nothing' });
  assert.deepEqual(planInstall([NGINX, PG], root), {
    kind: 'install',
    prefix: [],
    packages: ['nginx', 'postgresql'],
  });
  assert.deepEqual(planInstall([NGINX], { ...root, isRoot: false, sudo: true }), {
    kind: 'install',
    prefix: ['sudo', '-n'],
    packages: ['nginx'],
  });
  const asked = planInstall([NGINX, PG], { ...root, isRoot: false });
  assert.equal(asked.kind, 'instruct');
  assert.equal(asked.kind === 'instruct' && asked.command, 'sudo apt-get install nginx postgresql');
  const optOut = planInstall([NGINX], { ...root, noInstall: true });
  assert.equal(optOut.kind === 'instruct' && optOut.command, 'apt-get install nginx');
  const other = planInstall([NGINX], { ...root, aptGet: false });
  assert.equal(other.kind, 'unsupported');
  assert.deepEqual(other.kind === 'unsupported' && other.missing, ['nginx (Debian package nginx)']);
});

/** A fake apt: records every command; `notFound` packages fail until `apt-get update` ran. */
function fakeApt(o: { lists: boolean; notFound?: string[]; broken?: string[] }) {
  const calls: string[] = [];
  let updated = false;
  const run: Runner = async (argv) => {
    const line = argv.join(' ');
    calls.push(line);
    if (line.includes('grep -q _Packages')) return { code: o.lists ? 0 : 1, output: '' };
    if (line.includes('apt-get update')) {
      updated = true;
      return { code: 0, output: '' };
    }
    const pkg = /apt-get install -y -q (\S+)/.exec(line)?.[1];
    if (pkg && o.broken?.includes(pkg))
      return { code: 100, output: `E: Broken packages\nE: ${pkg} has no candidate` };
    if (pkg && o.notFound?.includes(pkg) && !updated)
      return { code: 100, output: `E: Unable to locate package ${pkg}` };
    if (line.includes('policy-rc.d ] ||')) return { code: 0, output: 'made\n' };
    return { code: 0, output: '' };
  };
  return { calls, run };
}

test('runInstall: one line per package with its time; update first on a fresh machine; policy-rc.d removed', async () => {
  const apt = fakeApt({ lists: false });
  const lines: string[] = [];
  let t = 0;
  const r = await runInstall(
    { kind: 'install', prefix: [], packages: ['nginx', 'memcached'] },
    apt.run,
    (l) => lines.push(l),
    () => (t += 1500),
  );
  assert.deepEqual(
    r.installed.map((i) => i.pkg),
    ['nginx', 'memcached'],
  );
  assert.deepEqual(lines, [
    'setup: apt-get update done in 1.5 s',
    'setup: installed nginx in 1.5 s',
    'setup: installed memcached in 1.5 s',
  ]);
  const installs = apt.calls.filter((c) => c.includes('apt-get'));
  assert.match(installs[0]!, /^env DEBIAN_FRONTEND=noninteractive .*apt-get update/);
  assert.match(installs[1]!, /apt-get install -y -q nginx$/);
  assert.match(apt.calls.at(-1)!, /rm -f \/usr\/sbin\/policy-rc\.d/, 'the policy file we made is removed');
});

test('runInstall: a package not found is retried once after apt-get update; a broken one is reported', async () => {
  const apt = fakeApt({ lists: true, notFound: ['chromium'], broken: ['wrk'] });
  const lines: string[] = [];
  const r = await runInstall(
    { kind: 'install', prefix: ['sudo', '-n'], packages: ['chromium', 'wrk'] },
    apt.run,
    (l) => lines.push(l),
  );
  assert.deepEqual(
    r.installed.map((i) => i.pkg),
    ['chromium'],
  );
  assert.deepEqual(r.failed, [{ pkg: 'wrk', reason: 'E: wrk has no candidate' }]);
  assert.equal(apt.calls.filter((c) => c.includes('apt-get update')).length, 1);
  assert.ok(
    apt.calls.every((c) => c.startsWith('sudo -n ')),
    'every command through sudo -n',
  );
  assert.ok(lines.some((l) => l === 'setup: could not install wrk: E: wrk has no candidate'));
});

test('ensurePrerequisites says the exact command when it may not install, and touches nothing', async () => {
  const apt = fakeApt({ lists: true });
  const lines: string[] = [];
  const r = await ensurePrerequisites(
    ['ladder'],
    { ...root, isRoot: false },
    apt.run,
    (l) => lines.push(l),
    (p) => p.binary !== 'nginx',
  );
  assert.deepEqual(
    r.missing.map((p) => p.binary),
    ['nginx'],
  );
  assert.deepEqual(apt.calls, []);
  assert.deepEqual(lines, [
    'setup: missing nginx; installing needs root or passwordless sudo. Run: sudo apt-get install nginx',
  ]);
});
