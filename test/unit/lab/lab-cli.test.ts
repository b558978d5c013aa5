import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../../src/cli/run.js';
import { requireBinary } from '../../../src/daemons/prereq.js';
import { isFkError } from '../../../src/errors.js';
import { LAB_PREREQUISITES, TC_PREREQUISITE } from '../../../src/lab/prereq.js';
import { fakeIo } from '../../helpers/fake-io.js';

// In-process, before anything is created: option and hosts-file errors come before the root check.

test('lab --help lists every subcommand', async () => {
  const io = fakeIo();
  assert.equal(await runCli(['lab', '--help'], io), 0);
  for (const sub of ['up', 'down', 'status', 'ssh', 'exec'])
    assert.match(io.out.join(''), new RegExp(`lab ${sub}\\b`));
});

test('usage errors are one line with E_USAGE, exit 2', async () => {
  const cases: string[][] = [
    ['lab'],
    ['lab', 'sideways'],
    ['lab', 'up', '--hosts', 'x.yaml', '--app-hosts', '2'],
    ['lab', 'up', '--name', 'Bad-Name'],
    ['lab', 'up', '--app-hosts', '0'],
    ['lab', 'up', '--frobnicate'],
    ['lab', 'exec', 'app1'],
    ['lab', 'ssh', 'a', 'b'],
  ];
  for (const argv of cases) {
    const io = fakeIo();
    assert.equal(await runCli(argv, io), 2, argv.join(' '));
    assert.match(io.err.join(''), /\[E_USAGE\]/, argv.join(' '));
    assert.doesNotMatch(io.err.join(''), /\n\s+at /);
  }
});

test('a bad hosts file: every problem with its line, E_HOSTS_INVALID, nothing created', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-lab-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'hosts.yaml'),
    'hosts:\n  - name: lb\n    roles: [lb]\n    cpu: fast\n    memory: 1G\n  - name: x\n    roles: [db]\n',
  );
  const io = fakeIo({ cwd: dir });
  assert.equal(await runCli(['lab', 'up', '--hosts', 'hosts.yaml'], io), 1);
  const err = io.err.join('');
  assert.match(err, /hosts\.yaml:4: cpu must be a number > 0, got "fast"/);
  assert.match(err, /hosts\.yaml:6: a lab host needs cpu and memory/);
  assert.match(err, /\[E_HOSTS_INVALID\]/);
  const io2 = fakeIo({ cwd: dir });
  assert.equal(await runCli(['lab', 'up', '--hosts', 'missing.yaml'], io2), 1);
  assert.match(io2.err.join(''), /cannot read hosts file .*missing\.yaml: ENOENT \[E_HOSTS_INVALID\]/);
});

test('a hosts file of real machines is refused by lab up, naming the line', async () => {
  const io = fakeIo({ cwd: new URL('../../fixtures/lab/', import.meta.url).pathname });
  assert.equal(await runCli(['lab', 'up', '--hosts', 'hosts-real.yaml'], io), 1);
  assert.match(
    io.err.join(''),
    /hosts-real\.yaml:3: host "web1" has an address: a lab creates only emulated hosts/,
  );
});

test('status of a lab that is not up: E_LAB_NOT_FOUND (as root) or E_LAB_ROOT with exit 2', async () => {
  const io = fakeIo();
  const code = await runCli(['lab', 'status', '--name', 'zq9none'], io);
  if (process.getuid?.() === 0) {
    assert.equal(code, 1);
    assert.match(io.err.join(''), /lab zq9none is not up \[E_LAB_NOT_FOUND\]/);
  } else {
    assert.equal(code, 2);
    assert.match(io.err.join(''), /\[E_LAB_ROOT\]/);
  }
});

test('every binary lab up runs is checked first, each naming its Debian package', () => {
  const table = Object.fromEntries(LAB_PREREQUISITES.map((p) => [p.binary, p.debianPackage]));
  assert.deepEqual(table, {
    ip: 'iproute2',
    unshare: 'util-linux',
    mount: 'mount',
    hostname: 'hostname',
    sshd: 'openssh-server',
    ssh: 'openssh-client',
    'ssh-keygen': 'openssh-client',
  });
  assert.deepEqual(TC_PREREQUISITE, { binary: 'tc', debianPackage: 'iproute2' });
  assert.throws(
    () => requireBinary({ binary: 'sshd-not-installed', debianPackage: 'openssh-server' }),
    (e) => isFkError(e) && e.code === 'E_PREREQ_MISSING' && /apt-get install openssh-server/.test(e.message),
  );
});
