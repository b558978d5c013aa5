import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOST_DIRS } from '../../../src/lab/host-spec.js';
import { DETACH_SCRIPT, detachedArgv } from '../../../src/remote/detached.js';
import type { RemoteHost } from '../../../src/remote/remote-host.js';
import {
  rsyncArgv,
  rsyncRsh,
  scpArgv,
  sshControlArgv,
  sshExecArgv,
  sshInteractiveArgv,
  sshOptions,
  sshSocketExitArgv,
} from '../../../src/remote/ssh-argv.js';
import { isSshFailure } from '../../../src/remote/ssh-remote.js';

const lab: RemoteHost = {
  name: 'app1',
  roles: ['app'],
  address: '10.201.7.12',
  port: 22,
  user: 'root',
  identityFile: '/run/flickr-killr/labs/t1/id_ed25519',
  knownHostsFile: '/run/flickr-killr/labs/t1/known_hosts',
  sshConfigFile: '/run/flickr-killr/labs/t1/ssh_config',
  controlDir: '/run/flickr-killr/labs/t1/cm',
  dirs: HOST_DIRS,
};
const real: RemoteHost = {
  name: 'web1',
  roles: ['lb'],
  address: 'web1.example.net',
  port: 2222,
  controlDir: '/tmp/c',
  dirs: HOST_DIRS,
};

const LAB_OPTS = [
  '-F',
  '/run/flickr-killr/labs/t1/ssh_config',
  '-o',
  'User=root',
  '-o',
  'Port=22',
  '-o',
  'IdentityFile=/run/flickr-killr/labs/t1/id_ed25519',
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'UserKnownHostsFile=/run/flickr-killr/labs/t1/known_hosts',
  '-o',
  'GlobalKnownHostsFile=/dev/null',
  '-o',
  'StrictHostKeyChecking=yes',
  '-o',
  'BatchMode=yes',
  '-o',
  'ConnectTimeout=5',
  '-o',
  'ControlMaster=auto',
  '-o',
  'ControlPath=/run/flickr-killr/labs/t1/cm/%C',
  '-o',
  'ControlPersist=10m',
  '-o',
  'ServerAliveInterval=10',
  '-o',
  'ServerAliveCountMax=3',
  '-o',
  'LogLevel=ERROR',
];

test('exec: every option spelled out, the argv quoted once into the remote command', () => {
  assert.deepEqual(sshExecArgv(lab, ['echo', 'hello world', '$HOME']), [
    'ssh',
    ...LAB_OPTS,
    '-T',
    '--',
    '10.201.7.12',
    "echo 'hello world' '$HOME'",
  ]);
});

test('a real machine: its port, ssh default user/key/known_hosts, still strict and never prompting', () => {
  const argv = sshExecArgv(real, ['uptime']);
  assert.deepEqual(argv.slice(0, 5), ['ssh', '-o', 'Port=2222', '-o', 'StrictHostKeyChecking=yes']);
  assert.ok(!argv.includes('-F'), "the user's ~/.ssh/config still applies");
  assert.ok(
    !argv.some(
      (a) => a.startsWith('User=') || a.startsWith('IdentityFile=') || a.startsWith('UserKnownHostsFile='),
    ),
  );
  assert.ok(argv.includes('BatchMode=yes'));
  assert.deepEqual(argv.slice(-2), ['web1.example.net', 'uptime']);
});

test('a one-off connection neither uses nor leaves a master', () => {
  const o = Object.fromEntries(sshOptions(lab, { shareConnection: false }));
  assert.equal(o.ControlMaster, 'no');
  assert.equal(o.ControlPath, 'none');
  assert.equal(o.ControlPersist, undefined);
});

test('interactive ssh, master control, socket exit', () => {
  assert.deepEqual(sshInteractiveArgv(lab, [], true), ['ssh', ...LAB_OPTS, '-t', '--', '10.201.7.12']);
  assert.deepEqual(sshInteractiveArgv(lab, ['ls', '/srv'], false), [
    'ssh',
    ...LAB_OPTS,
    '-T',
    '--',
    '10.201.7.12',
    'ls',
    '/srv',
  ]);
  assert.deepEqual(sshControlArgv(lab, 'exit'), ['ssh', ...LAB_OPTS, '-O', 'exit', '--', '10.201.7.12']);
  assert.deepEqual(sshSocketExitArgv('/x/cm/abc'), [
    'ssh',
    '-F',
    '/dev/null',
    '-o',
    'ControlPath=/x/cm/abc',
    '-O',
    'exit',
    'fk-lab-master',
  ]);
});

test('rsync over the same ssh options (quoted as rsync splits --rsh), scp as the fallback', () => {
  const rsh = rsyncRsh(lab);
  assert.ok(rsh.startsWith("ssh -F /run/flickr-killr/labs/t1/ssh_config -o 'User=root' -o 'Port=22'"), rsh);
  assert.ok(rsh.includes("'ControlPath=/run/flickr-killr/labs/t1/cm/%C'"));
  assert.ok(!rsh.includes('\\'), 'rsync does not understand backslashes in --rsh');
  assert.deepEqual(rsyncArgv(lab, 'dist/', '/srv/app/'), [
    'rsync',
    '-a',
    '--rsh',
    rsh,
    '--',
    'dist/',
    '10.201.7.12:/srv/app/',
  ]);
  assert.deepEqual(scpArgv(lab, 'dist', '/srv/app'), [
    'scp',
    ...LAB_OPTS,
    '-r',
    '-p',
    '-q',
    '--',
    'dist',
    '10.201.7.12:/srv/app',
  ]);
  const v6 = { ...real, address: 'fd00::5' };
  assert.equal(rsyncArgv(v6, 'a', '/b').at(-1), '[fd00::5]:/b');
});

test("ssh's own failures (exit 255 + its message) are told apart from a command's exit codes", () => {
  assert.equal(isSshFailure(255, 'ssh: connect to host 10.201.7.12 port 22: Connection refused\n'), true);
  assert.equal(isSshFailure(255, 'Host key verification failed.\n'), true);
  assert.equal(isSshFailure(255, 'root@10.201.7.12: Permission denied (publickey).\n'), true);
  assert.equal(isSshFailure(255, 'kex_exchange_identification: read: Connection reset by peer\n'), true);
  assert.equal(isSshFailure(255, ''), false, 'a command that exits 255 by itself');
  assert.equal(isSshFailure(1, 'ssh: connect to host x: Connection refused'), false);
});

test('detached start: setsid, stdio off the ssh channel, the PID echoed', () => {
  assert.deepEqual(detachedArgv(['sleep', '300'], '/var/log/flickr-killr/sleep.log'), [
    'sh',
    '-c',
    DETACH_SCRIPT,
    'fk-detach',
    '/var/log/flickr-killr/sleep.log',
    'sleep',
    '300',
  ]);
  assert.match(DETACH_SCRIPT, /setsid "\$@" <\/dev\/null >>"\$log" 2>&1 & echo \$!/);
});
