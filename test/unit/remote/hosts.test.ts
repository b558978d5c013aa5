import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import { HOST_DIRS } from '../../../src/lab/host-spec.js';
import { writeLabState } from '../../../src/lab/state.js';
import { hostsForLab, hostsFromLabState, loadHosts } from '../../../src/remote/hosts.js';
import { fixedLab } from '../lab/lab-fixture.js';

const fixtures = new URL('../../fixtures/lab/', import.meta.url).pathname;

test('loadHosts: real machines as RemoteHosts, keys resolved against the file', () => {
  const hosts = loadHosts('hosts-real.yaml', { cwd: fixtures, controlDir: '/tmp/cm' });
  assert.deepEqual(hosts[0], {
    name: 'web1',
    roles: ['lb', 'app'],
    address: '192.0.2.10',
    port: 2222,
    user: 'deploy',
    identityFile: join(fixtures, 'keys/id_ed25519'),
    controlDir: '/tmp/cm',
    cpu: 4,
    dirs: HOST_DIRS,
  });
  assert.equal(hosts[2]!.port, 22);
  assert.equal(hosts[2]!.user, undefined, "ssh's default user");
  assert.ok(hosts.every((h) => h.lab === undefined));
});

test('loadHosts refuses a lab-only host (no address) with its line, and unreadable files', () => {
  assert.throws(
    () => loadHosts('hosts-lab.yaml', { cwd: fixtures }),
    (e) =>
      isFkError(e) &&
      e.code === 'E_HOSTS_INVALID' &&
      e.message.includes('hosts-lab.yaml:3: host "lb" has no address') &&
      e.message.includes('hosts-lab.yaml:20: host "db" has no address'),
  );
  assert.throws(
    () => loadHosts('nope.yaml', { cwd: fixtures }),
    (e) => isFkError(e) && e.code === 'E_HOSTS_INVALID' && /ENOENT/.test(e.message),
  );
});

test('a lab gives the same RemoteHost shape, with its own key, known_hosts, config and a lab handle', () => {
  const state = fixedLab();
  const hosts = hostsFromLabState(state);
  assert.deepEqual(hosts[5], {
    name: 'db',
    roles: ['db'],
    address: '10.201.7.16',
    port: 22,
    user: 'root',
    identityFile: '/run/flickr-killr/labs/t1/id_ed25519',
    knownHostsFile: '/run/flickr-killr/labs/t1/known_hosts',
    sshConfigFile: '/run/flickr-killr/labs/t1/ssh_config',
    controlDir: '/run/flickr-killr/labs/t1/cm',
    cpu: 0.5,
    memoryBytes: 512 * 1024 * 1024,
    dirs: HOST_DIRS,
    lab: {
      lab: 't1',
      netns: 'fkl-t1-db',
      cgroupProcs: state.hosts[5]!.cgroupProcs,
      dirsOnDisk: state.hosts[5]!.dirsOnDisk,
    },
  });
});

test('hostsForLab reads the state file; a lab that is not up (or half made) is E_LAB_NOT_FOUND', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fk-labstate-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const paths = { stateRoot: root, hostsRoot: '/nope', cgroupRoot: '/nope', hostSshdMount: '/nope' };
  assert.throws(
    () => hostsForLab('t1', paths),
    (e) => isFkError(e) && e.code === 'E_LAB_NOT_FOUND',
  );
  const state = { ...fixedLab(), stateDir: join(root, 't1') };
  mkdirSync(state.stateDir);
  writeLabState(state);
  assert.throws(() => hostsForLab('t1', paths), /still being created/);
  writeLabState({ ...state, status: 'up' });
  assert.deepEqual(
    hostsForLab('t1', paths).map((h) => `${h.name}=${h.address}`),
    [
      'lb=10.201.7.11',
      'app1=10.201.7.12',
      'app2=10.201.7.13',
      'cache=10.201.7.14',
      'sessions=10.201.7.15',
      'db=10.201.7.16',
    ],
  );
  writeFileSync(join(state.stateDir, 'state.json'), '{"kind":"something else"}');
  assert.throws(
    () => hostsForLab('t1', paths),
    (e) => isFkError(e) && /not a lab state/.test(e.message),
  );
});
