import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderKnownHosts, renderSshConfig, renderSshdConfig } from '../../../src/lab/ssh-config.js';
import { hostsFromLabState } from '../../../src/remote/hosts.js';
import { fixedLab } from './lab-fixture.js';

// Fixed inputs so the output is byte-for-byte stable; UPDATE_GOLDEN=1 rewrites the files.
const GOLDEN = new URL('../../fixtures/golden/', import.meta.url);

function golden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'));
}

test('sshd_config of a lab host matches golden lab-sshd_config', () => {
  const text = renderSshdConfig({
    host: 'app1',
    lab: 't1',
    address: '10.201.7.12',
    dir: '/run/flickr-killr/sshd',
  });
  golden('lab-sshd_config', text);
  // Only its own address; keys only; every file in the host's own sshd folder.
  assert.match(text, /^ListenAddress 10\.201\.7\.12:22$/m);
  assert.match(text, /^PasswordAuthentication no$/m);
  for (const m of text.matchAll(/^(HostKey|PidFile|AuthorizedKeysFile) (.*)$/gm))
    assert.ok(m[2]!.startsWith('/run/flickr-killr/sshd/'), m[0]);
});

test('ssh_config of a lab matches golden lab-ssh_config: host blocks first, then shared options', () => {
  const s = fixedLab();
  const text = renderSshConfig(s.name, hostsFromLabState(s));
  golden('lab-ssh_config', text);
  assert.ok(text.indexOf('Host db\n') < text.indexOf('Host *\n'), 'first match wins in ssh_config');
  assert.match(text, /^ {2}StrictHostKeyChecking yes$/m);
  assert.match(text, /^ {2}UserKnownHostsFile \/run\/flickr-killr\/labs\/t1\/known_hosts$/m);
  assert.match(text, /^ {2}ControlMaster auto$/m);
  assert.match(text, /^ {2}ControlPath \/run\/flickr-killr\/labs\/t1\/cm\/%C$/m);
  assert.match(text, /^ {2}ControlPersist /m);
});

test('known_hosts: one line per host, [addr]:port only off port 22 (golden lab-known_hosts)', () => {
  const key =
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2VrZXlmYWtla2V5ZmFrZWtleWZha2VrZXlmYWtl app1.t1.lab\n';
  const text = renderKnownHosts([
    { address: '10.201.7.11', port: 22, publicKey: key },
    { address: '10.201.7.12', port: 2222, publicKey: key },
  ]);
  golden('lab-known_hosts', text);
  assert.equal(
    text.split('\n')[0],
    '10.201.7.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2VrZXlmYWtla2V5ZmFrZWtleWZha2VrZXlmYWtl',
  );
  assert.match(text.split('\n')[1]!, /^\[10\.201\.7\.12\]:2222 ssh-ed25519 /);
});
