import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { isFkError } from '../../src/errors.js';
import { sampleCgroup } from '../../src/lab/cgroup.js';
import { readText } from '../../src/lab/cgroup-fs.js';
import { DEFAULT_LAB_PATHS, hostCgroup } from '../../src/lab/naming.js';
import type { LabState } from '../../src/lab/state.js';
import type { LabStatus } from '../../src/lab/status.js';
import { CLI_ENTRY } from '../../src/paths.js';
import { startDetached } from '../../src/remote/detached.js';
import { hostsForLab, readRunningLab } from '../../src/remote/hosts.js';
import type { Remote } from '../../src/remote/remote.js';
import { runLocal } from '../../src/remote/run-local.js';
import { scpArgv } from '../../src/remote/ssh-argv.js';
import { connect } from '../../src/remote/ssh-remote.js';
import { fakeIo } from '../helpers/fake-io.js';
import { requireServer } from '../helpers/prereq.js';

// Real namespaces, cgroups and sshd: a 3-host lab, driven only over SSH, then torn down to nothing.
// A lab name of its own per run (t + 6 base-36 digits) never meets a user's lab.
const NAME = `t${Math.floor(Math.random() * 36 ** 6)
  .toString(36)
  .padStart(6, '0')}`;
const CRASH = `c${NAME.slice(1)}`;
const HOSTS_FILE = new URL('../fixtures/lab/hosts-system.yaml', import.meta.url).pathname;
const paths = DEFAULT_LAB_PATHS;

after(async () => {
  for (const n of [NAME, CRASH]) await runCli(['lab', 'down', '--name', n], fakeIo());
});

function prerequisites(t: import('node:test').TestContext): boolean {
  if (process.getuid?.() !== 0) {
    const why = 'the lab needs root';
    if (process.env.CI === 'true') throw new Error(`${why}: required in CI`);
    t.skip(why);
    return false;
  }
  return (
    requireServer(t, 'sshd', 'openssh-server') !== undefined &&
    requireServer(t, 'ip', 'iproute2') !== undefined &&
    requireServer(t, 'unshare', 'util-linux') !== undefined
  );
}

const sh = async (...argv: string[]) => (await runLocal(argv, { timeoutMs: 10_000 })).stdout;
const netnsOf = async (lab: string) =>
  (await sh('ip', 'netns', 'list'))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((l) => l.startsWith(`fkl-${lab}-`));
const linksOf = async (lab: string) =>
  (await sh('ip', '-o', 'link', 'show'))
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
    .filter((n) => n === `fkl-${lab}` || n.startsWith(`fkl-${lab}-`));
const cgroupDirsOf = (state: LabState) =>
  ['cpu', 'cpuacct', 'memory']
    .map((c) => join(paths.cgroupRoot, c, 'flickr-killr-lab', state.name))
    .filter((d) => existsSync(d));
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};
const inCgroup = (state: LabState, host: string, pid: number) =>
  readFileSync(state.hosts.find((h) => h.name === host)!.cgroupProcs[0]!, 'utf8')
    .split('\n')
    .includes(String(pid));

test('lab: 3 hosts on one machine, each its own network, cgroup, files and sshd', async (t) => {
  if (!prerequisites(t)) return;

  // A crashed lab of the same name, made by hand: netns, bridge, and a cgroup with a process in it.
  await sh('ip', 'netns', 'add', `fkl-${NAME}-ghost`);
  await sh('ip', 'link', 'add', `fkl-${NAME}`, 'type', 'bridge');
  const ghostCgroup = join(paths.cgroupRoot, 'cpu', hostCgroup(NAME, 'ghost'));
  mkdirSync(ghostCgroup, { recursive: true });
  const ghost = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
  writeFileSync(join(ghostCgroup, 'cgroup.procs'), String(ghost.pid));
  ghost.unref();

  const io = fakeIo();
  const t0 = performance.now();
  const code = await runCli(['lab', 'up', '--hosts', HOSTS_FILE, '--name', NAME], io);
  const upMs = performance.now() - t0;
  assert.equal(code, 0, io.err.join(''));
  t.diagnostic(
    `lab up of 3 hosts (after cleaning a crashed one): ${Math.round(upMs)} ms; ${io.out[0]?.split('\n')[0]}`,
  );
  assert.match(io.err.join(''), /removed leftovers of an earlier run/);
  assert.deepEqual(
    (await netnsOf(NAME)).sort(),
    ['alpha', 'beta', 'gamma'].map((h) => `fkl-${NAME}-${h}`),
  );
  assert.ok(!(await netnsOf(NAME)).includes(`fkl-${NAME}-ghost`), 'the leftover netns is gone');
  assert.ok(!existsSync(ghostCgroup), 'the leftover cgroup is gone');
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(!alive(ghost.pid!), 'the leftover process was killed');

  const state = readRunningLab(NAME);
  const hosts = hostsForLab(NAME);
  const remotes = new Map<string, Remote>(hosts.map((h) => [h.name, connect(h)]));
  const r = (name: string) => remotes.get(name)!;
  const addr = (name: string) => hosts.find((h) => h.name === name)!.address;
  const recordedPids: number[] = state.hosts.map((h) => h.sshd.pid!);

  await t.test('lab up of a lab that is up refuses, and leaves it running', async () => {
    const again = fakeIo();
    assert.equal(await runCli(['lab', 'up', '--hosts', HOSTS_FILE, '--name', NAME], again), 1);
    assert.match(again.err.join(''), /is already up .*\[E_LAB_EXISTS\]/);
    assert.ok(state.hosts.every((h) => alive(h.sshd.pid!)));
  });

  await t.test('each host has its own address only, and is reachable from every other', async () => {
    for (const h of hosts) {
      const out = (await r(h.name).exec(['ip', '-o', '-4', 'addr'])).stdout;
      assert.match(out, new RegExp(`inet ${h.address.replaceAll('.', '\\.')}/24`), h.name);
      for (const other of hosts.filter((o) => o !== h))
        assert.ok(!out.includes(other.address), `${h.name} has ${other.name}'s address`);
      assert.equal((await r(h.name).exec(['hostname'])).stdout.trim(), h.name);
    }
    // Host to host over the bridge (the fleet's lb → app path).
    const reach = await r('alpha').exec(['bash', '-c', `exec 3<>/dev/tcp/${addr('beta')}/22; head -c 7 <&3`]);
    assert.equal(reach.stdout, 'SSH-2.0');
  });

  await t.test("every command over SSH runs in the host's cgroup", async () => {
    for (const h of hosts) {
      const cg = (await r(h.name).exec(['cat', '/proc/self/cgroup'])).stdout;
      assert.match(cg, new RegExp(`:cpu:/flickr-killr-lab/${NAME}/${h.name}$`, 'm'), cg);
      assert.match(cg, new RegExp(`:memory:/flickr-killr-lab/${NAME}/${h.name}$`, 'm'), cg);
    }
  });

  await t.test('/srv is private: a file on alpha is seen neither on beta nor on the machine', async () => {
    const marker = `marker-${NAME}`;
    assert.equal((await r('alpha').exec(['sh', '-c', `echo from-alpha > /srv/${marker}`])).code, 0);
    assert.equal((await r('alpha').exec(['cat', `/srv/${marker}`])).stdout, 'from-alpha\n');
    assert.equal((await r('beta').exec(['test', '-e', `/srv/${marker}`])).code, 1);
    assert.ok(!existsSync(`/srv/${marker}`), 'not in the root namespace /srv');
    // On disk it is alpha's own folder, which no host can see (hidden under tmpfs).
    assert.ok(existsSync(join(state.hosts[0]!.dirsOnDisk.srv, marker)));
    assert.equal((await r('beta').exec(['ls', '-A', paths.hostsRoot])).stdout, '');
    assert.equal(
      (await r('beta').exec(['ls', '-A', paths.stateRoot])).stdout,
      '',
      'the lab keys are hidden from hosts',
    );
    // /var/lib/flickr-killr, /var/log/flickr-killr and /tmp are private the same way.
    await r('alpha').exec([
      'sh',
      '-c',
      'echo a > /tmp/t && echo a > /var/lib/flickr-killr/l && echo a > /var/log/flickr-killr/g',
    ]);
    assert.equal(
      (await r('gamma').exec(['sh', '-c', 'ls /tmp/t /var/lib/flickr-killr/l /var/log/flickr-killr/g'])).code,
      2,
    );
  });

  await t.test('a daemon started over SSH outlives the session and stays in the cgroup', async () => {
    const pid = await startDetached(r('alpha'), ['sleep', '30'], '/var/log/flickr-killr/sleep.log');
    await r('alpha').close(); // the SSH connection is gone entirely
    await new Promise((res) => setTimeout(res, 200));
    assert.ok(alive(pid), 'still running after the SSH connection closed');
    assert.ok(inCgroup(state, 'alpha', pid), "in alpha's cgroup.procs");
    const ps = await r('alpha').exec(['ps', '-o', 'sid=,pgid=,comm=', '-p', String(pid)]);
    assert.match(
      ps.stdout.trim(),
      new RegExp(`^${pid}\\s+${pid}\\s+sleep$`),
      'its own session, led by itself',
    );
    recordedPids.push(pid);
  });

  await t.test(
    'supervisord started over SSH daemonizes on the host; its programs are in the cgroup',
    async (t2) => {
      if (requireServer(t2, 'supervisord', 'supervisor') === undefined) return;
      const conf = [
        '[supervisord]',
        'logfile=/var/log/flickr-killr/supervisord.log',
        'pidfile=/tmp/supervisord.pid',
        '[unix_http_server]',
        'file=/tmp/supervisor.sock',
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '[supervisorctl]',
        'serverurl=unix:///tmp/supervisor.sock',
        '[program:sleeper]',
        'command=sleep 300',
        'startsecs=0',
        '',
      ].join('\n');
      const a = r('alpha');
      await a.exec(['sh', '-c', 'cat > /var/lib/flickr-killr/supervisord.conf'], { input: conf });
      const started = await a.exec(['supervisord', '-c', '/var/lib/flickr-killr/supervisord.conf']);
      assert.equal(started.code, 0, started.stderr);
      await a.close();
      let pid = 0;
      for (let i = 0; i < 50 && pid === 0; i++) {
        const out = await a.exec([
          'supervisorctl',
          '-c',
          '/var/lib/flickr-killr/supervisord.conf',
          'pid',
          'sleeper',
        ]);
        pid = /^\d+$/.test(out.stdout.trim()) ? Number(out.stdout.trim()) : 0;
        if (pid === 0) await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(pid > 0 && inCgroup(state, 'alpha', pid), `program pid ${pid} in alpha's cgroup`);
      const supervisord = Number(
        readFileSync(join(state.hosts[0]!.dirsOnDisk.tmp, 'supervisord.pid'), 'utf8'),
      );
      assert.ok(inCgroup(state, 'alpha', supervisord));
      recordedPids.push(pid, supervisord);
    },
  );

  await t.test("the host's cgroup holds its quota and memory limit", () => {
    const beta = state.hosts.find((h) => h.name === 'beta')!;
    assert.equal(
      readFileSync(join(paths.cgroupRoot, 'cpu', beta.cgroup, 'cpu.cfs_quota_us'), 'utf8').trim(),
      '20000',
    );
    assert.equal(
      readFileSync(join(paths.cgroupRoot, 'cpu', beta.cgroup, 'cpu.cfs_period_us'), 'utf8').trim(),
      '100000',
    );
    assert.equal(
      readFileSync(join(paths.cgroupRoot, 'memory', beta.cgroup, 'memory.limit_in_bytes'), 'utf8').trim(),
      String(128 * 1024 * 1024),
    );
  });

  await t.test('a busy loop on a 0.2-core host is held to ~0.2 cores and throttled', async () => {
    const pid = await startDetached(r('beta'), ['sh', '-c', 'while :; do :; done'], '/dev/null');
    recordedPids.push(pid);
    await new Promise((res) => setTimeout(res, 300));
    const beta = state.hosts.find((h) => h.name === 'beta')!;
    const a = sampleCgroup(state.cgroupLayout, beta.cgroup, readText);
    const t1 = performance.now();
    await new Promise((res) => setTimeout(res, 1000));
    const b = sampleCgroup(state.cgroupLayout, beta.cgroup, readText);
    const cores = (b.usageUs - a.usageUs) / ((performance.now() - t1) * 1000);
    t.diagnostic(
      `beta (quota 0.2): ${cores.toFixed(3)} cores over 1 s, ${b.throttledPeriods - a.throttledPeriods} of ${b.periods - a.periods} periods throttled`,
    );
    assert.ok(cores > 0.1 && cores < 0.3, `${cores} cores`);
    assert.ok(b.throttledPeriods - a.throttledPeriods >= 5, 'nr_throttled grows');

    const io2 = fakeIo();
    assert.equal(await runCli(['lab', 'status', '--name', NAME, '--json'], io2), 0, io2.err.join(''));
    const s = JSON.parse(io2.out.join('')) as LabStatus;
    const st = s.hosts.find((h) => h.name === 'beta')!;
    assert.equal(st.cpu.quota, 0.2);
    assert.ok(st.cpu.used > 0.1 && st.cpu.used < 0.3, `status says ${st.cpu.used}`);
    assert.ok(st.throttling.throttledInSample > 0.5, 'throttled in most periods');
    assert.ok(st.processes >= 2 && st.sshd.running);
    assert.equal(st.memory.limitBytes, 128 * 1024 * 1024);
    assert.ok(st.memory.usedBytes > 0);
    assert.deepEqual(Object.keys(s).sort(), [
      'bridge',
      'cgroupVersion',
      'createdAt',
      'gateway',
      'hosts',
      'lab',
      'sampleMs',
      'sshConfig',
      'status',
      'subnet',
    ]);
    await r('beta').exec(['kill', String(pid)]);
  });

  await t.test("a TCP server on a host is reachable from the machine at the host's address", async () => {
    const port = 8081;
    const js = `require('http').createServer((q,s)=>s.end('hello from '+require('os').hostname())).listen(${port}, '${addr('gamma')}')`;
    const pid = await startDetached(
      r('gamma'),
      [process.execPath, '-e', js],
      '/var/log/flickr-killr/http.log',
    );
    recordedPids.push(pid);
    let body = '';
    for (let i = 0; i < 100 && body === ''; i++) {
      body = await fetch(`http://${addr('gamma')}:${port}/`).then(
        (x) => x.text(),
        () => '',
      );
      if (body === '') await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(body, 'hello from gamma');
    // gamma's link is shaped with tbf (netem is not in this kernel).
    assert.match((await r('gamma').exec(['tc', 'qdisc', 'show', 'dev', 'eth0'])).stdout, /tbf .*rate 50Mbit/);
  });

  await t.test('one master connection per host, reused: the second command is faster', async () => {
    const beta = r('beta');
    await beta.close();
    const t1 = performance.now();
    await beta.exec(['true']);
    const first = performance.now() - t1;
    const t2 = performance.now();
    await beta.exec(['true']);
    const second = performance.now() - t2;
    t.diagnostic(
      `beta: first exec (new connection) ${first.toFixed(0)} ms, second (reused) ${second.toFixed(0)} ms`,
    );
    assert.ok(second < first, `${second} < ${first}`);
    const check = await runLocal(['ssh', '-F', state.ssh.configFile, '-O', 'check', 'beta'], {
      timeoutMs: 5000,
    });
    assert.match(check.stderr, /Master running/);
    // One socket per host at most, in the lab's state dir, shared by the code and `ssh -F`.
    assert.ok(readdirSync(state.ssh.controlDir).length <= hosts.length);
  });

  await t.test('argv arrives intact through the remote shell; exit codes are preserved', async () => {
    const words = ['hello world', "it's", '$HOME', '`id`', 'a\nb', '*', 'photo «été» 写真', '', '-n'];
    const out = await r('alpha').exec(['printf', '[%s]', ...words]);
    assert.equal(out.stdout, words.map((w) => `[${w}]`).join(''));
    assert.equal((await r('alpha').exec(['sh', '-c', 'exit 7'])).code, 7);
    assert.equal(
      (await r('alpha').exec(['sh', '-c', 'exit 255'])).code,
      255,
      "a command's own 255 is not an ssh failure",
    );
    const piped = await r('alpha').exec(['wc', '-c'], { input: 'x'.repeat(100_000) });
    assert.equal(piped.stdout.trim(), '100000');
    await assert.rejects(
      r('alpha').exec(['sleep', '5'], { timeoutMs: 300 }),
      (e) => isFkError(e) && e.code === 'E_REMOTE_TIMEOUT',
    );
  });

  await t.test('copy: rsync over the same connection', async (t2) => {
    const dir = mkdtempSync(join(tmpdir(), 'fk-lab-copy-'));
    t2.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'a file.txt'), 'copied\n');
    const res = await r('gamma').copy(`${dir}/`, '/srv/copied/');
    assert.equal(res.method, 'rsync');
    assert.equal((await r('gamma').exec(['cat', '/srv/copied/a file.txt'])).stdout, 'copied\n');
    // The fallback, run directly: scp over SFTP (sshd's internal-sftp) through the same master.
    const gammaHost = hosts.find((h) => h.name === 'gamma')!;
    const scp = await runLocal(scpArgv(gammaHost, join(dir, 'a file.txt'), '/srv/by-scp.txt'), {
      timeoutMs: 15_000,
    });
    assert.equal(scp.code, 0, scp.stderr);
    assert.equal((await r('gamma').exec(['cat', '/srv/by-scp.txt'])).stdout, 'copied\n');
  });

  await t.test('an unreachable host is E_REMOTE_UNREACHABLE naming host and address', async () => {
    const closed = connect({ ...hosts[0]!, name: 'nowhere', port: 1 });
    await assert.rejects(
      closed.exec(['true']),
      (e) =>
        isFkError(e) &&
        e.code === 'E_REMOTE_UNREACHABLE' &&
        e.message.includes(`nowhere (${addr('alpha')}:1)`),
    );
  });

  await t.test('not root: one line E_LAB_ROOT and exit 2', async () => {
    const res = await runLocal(
      [
        'setpriv',
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        CLI_ENTRY,
        'lab',
        'status',
        '--name',
        NAME,
      ],
      { timeoutMs: 10_000 },
    );
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /^flickr-killr: the lab needs root \(running as uid 65534\) \[E_LAB_ROOT\]$/m);
  });

  for (const remote of remotes.values()) await remote.close();
  const io3 = fakeIo();
  const t3 = performance.now();
  assert.equal(await runCli(['lab', 'down', '--name', NAME], io3), 0, io3.err.join(''));
  const downMs = performance.now() - t3;
  t.diagnostic(`lab down: ${Math.round(downMs)} ms; ${io3.out.join('').trim()}`);

  await t.test(
    'lab down leaves nothing: namespaces, links, cgroups, processes, folders, mounts',
    async () => {
      assert.deepEqual(await netnsOf(NAME), []);
      assert.deepEqual(await linksOf(NAME), []);
      assert.deepEqual(cgroupDirsOf(state), []);
      await new Promise((res) => setTimeout(res, 50));
      assert.deepEqual(recordedPids.filter(alive), [], 'every recorded PID is gone');
      assert.ok(!existsSync(state.stateDir) && !existsSync(state.hostsDir));
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
      assert.ok(
        !mounts.includes(`fkl-${NAME}`) && !mounts.includes(state.hostsDir),
        'no mount of the lab left',
      );
      const again = fakeIo();
      assert.equal(await runCli(['lab', 'down', '--name', NAME], again), 0);
      assert.match(again.out.join(''), /nothing to do/);
    },
  );
});

test('lab up killed half-way: the next lab up cleans up and works, lab down leaves nothing', async (t) => {
  if (!prerequisites(t)) return;
  const child = spawn(process.execPath, [CLI_ENTRY, 'lab', 'up', '--name', CRASH, '--app-hosts', '2'], {
    stdio: 'ignore',
  });
  // Kill it once it has made some hosts' namespaces, before it is done.
  for (let i = 0; i < 400 && (await netnsOf(CRASH)).length < 2; i++)
    await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const left = await netnsOf(CRASH);
  t.diagnostic(`killed lab up with ${left.length} namespaces made`);
  assert.ok(left.length > 0, 'the crash left namespaces behind');

  const io = fakeIo();
  assert.equal(await runCli(['lab', 'up', '--name', CRASH, '--app-hosts', '1'], io), 0, io.err.join(''));
  const state = readRunningLab(CRASH);
  assert.equal(state.hosts.length, 5);
  const db = connect(hostsForLab(CRASH).find((h) => h.name === 'db')!);
  assert.equal((await db.exec(['hostname'])).stdout.trim(), 'db');
  await db.close();
  assert.equal(await runCli(['lab', 'down', '--name', CRASH], fakeIo()), 0);
  assert.deepEqual(await netnsOf(CRASH), []);
  assert.deepEqual(await linksOf(CRASH), []);
  assert.deepEqual(cgroupDirsOf(state), []);
  assert.ok(!existsSync(state.stateDir) && !existsSync(state.hostsDir));
});
