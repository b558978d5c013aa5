import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import { formatProblems, parseHostsFile, validateHostsFile } from '../../../src/lab/hosts-file.js';
import { formatMemory, parseLinkRate, parseMemory } from '../../../src/lab/units.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/lab/${name}`, import.meta.url), 'utf8');
const MB = 1024 * 1024;

test('a lab hosts file parses into typed hosts, each with its line', () => {
  const hosts = parseHostsFile(fixture('hosts-lab.yaml'), 'hosts-lab.yaml', '/base');
  assert.deepEqual(
    hosts.map((h) => [h.name, h.roles, h.cpu, h.memoryBytes, h.line]),
    [
      ['lb', ['lb'], 0.5, 128 * MB, 3],
      ['app1', ['app'], 0.25, 256 * MB, 8],
      ['app2', ['app'], 0.25, 256 * MB, 12],
      ['cache', ['cache', 'sessions'], 0.2, 128 * MB, 16],
      ['db', ['db'], 0.5, 512 * MB, 20],
    ],
  );
  assert.deepEqual(hosts[0]!.link, { bitsPerSecond: 1e9, tc: '1000000000bit' });
  assert.equal(hosts[1]!.address, undefined);
});

test('real machines: address and ssh, the key resolved against the file folder, port 22 by default', () => {
  const hosts = parseHostsFile(fixture('hosts-real.yaml'), 'hosts-real.yaml', '/etc/fk');
  assert.deepEqual(hosts[0], {
    name: 'web1',
    roles: ['lb', 'app'],
    cpu: 4,
    address: '192.0.2.10',
    ssh: { port: 2222, user: 'deploy', key: '/etc/fk/keys/id_ed25519' },
    line: 3,
  });
  assert.deepEqual(hosts[1]!.ssh, { port: 22, user: 'root' });
  assert.equal(hosts[1]!.memoryBytes, 16 * 1024 * MB);
  assert.deepEqual(hosts[2]!.ssh, { port: 22 });
});

test('every problem of a bad file is reported at once, each naming its line', () => {
  const { hosts, problems } = validateHostsFile(fixture('hosts-bad.yaml'), '/base');
  assert.equal(hosts.length, 0, 'no host with a problem is returned');
  const text = formatProblems('hosts-bad.yaml', problems);
  const expected = [
    'hosts-bad.yaml:4: cpu must be a number > 0, got "fast"',
    'hosts-bad.yaml:7: unknown role "web" (roles: lb, app, cache, sessions, db)',
    'hosts-bad.yaml:9: memory must be a size like 512M or 1G, got "lots"',
    'hosts-bad.yaml:10: unknown key "colour" in a host',
    'hosts-bad.yaml:11: duplicate host name "lb" (first at line 2)',
    'hosts-bad.yaml:12: roles must be a non-empty list of lb, app, cache, sessions, db',
    "hosts-bad.yaml:13: cpu must be at least 0.01 on a lab host (the kernel's smallest quota), got 0.001",
    'hosts-bad.yaml:14: memory must be at least 32M on a lab host, got "1M"',
    'hosts-bad.yaml:15: name must be lower-case letters',
    'hosts-bad.yaml:15: a lab host needs cpu and memory',
    'hosts-bad.yaml:20: link applies only to lab hosts',
    'hosts-bad.yaml:21: unknown key "shell" in ssh',
    'hosts-bad.yaml:21: ssh.port must be a whole number 1-65535, got 70000',
    'hosts-bad.yaml:24: ssh applies only to real machines',
    'hosts-bad.yaml:27: link must be a rate like 100mbit',
  ];
  const lines = text
    .split('\n')
    .slice(1)
    .map((l) => l.trim());
  assert.equal(lines.length, expected.length, text);
  for (const [i, e] of expected.entries())
    assert.ok(lines[i]!.startsWith(e), `line ${i}: ${lines[i]} should start with ${e}`);
  assert.match(text, /^hosts-bad\.yaml has 15 problems:/);
});

test('parseHostsFile throws one E_HOSTS_INVALID carrying them all', () => {
  assert.throws(
    () => parseHostsFile(fixture('hosts-bad.yaml'), 'hosts.yaml', '/'),
    (e) => isFkError(e) && e.code === 'E_HOSTS_INVALID' && /15 problems/.test(e.message),
  );
});

test('YAML syntax errors and wrong shapes name their line too', () => {
  const cases: Array<[string, RegExp]> = [
    ['hosts:\n  - name: a\n    roles: [lb\n', /^x:\d+: not valid YAML/],
    ['', /^x:1: a hosts file is a map with a `hosts:` list/],
    ['- name: a\n', /^x:1: a hosts file is a map/],
    ['hosts: []\n', /^x:1: `hosts:` must be a non-empty list/],
    ['hostz:\n  - 1\n', /^x:1: unknown key "hostz"/],
    ['hosts:\n  - just-a-name\n', /^x:2: each host is a map/],
    ['hosts:\n  - name: a\n    name: b\n    roles: [lb]\n', /^x:3: not valid YAML: Map keys must be unique/],
    ['hosts:\n  - roles: [lb]\n    cpu: 1\n    memory: 1G\n', /^x:2: a host needs a name/],
    [
      'hosts:\n  - name: a\n    roles: [app, app]\n    cpu: 1\n    memory: 1G\n',
      /^x:3: role "app" is listed twice/,
    ],
    ['hosts:\n  - name: a\n    roles: [lb]\n    address: 192.0.2.1\n    ssh: root\n', /^x:5: ssh is a map/],
    [
      'hosts:\n  - name: a\n    roles: [lb]\n    cpu: "0.5"\n    memory: 1G\n',
      /^x:4: cpu must be a number > 0, got "0.5"/,
    ],
    [
      'hosts:\n  - name: a\n    roles: [lb]\n    cpu: -1\n    memory: 1G\n',
      /^x:4: cpu must be a number > 0, got -1/,
    ],
    ['hosts:\n  - name: a\n    roles: [lb]\n    address: "has space"\n', /^x:4: address must be/],
  ];
  for (const [text, re] of cases) {
    const { problems } = validateHostsFile(text, '/');
    assert.ok(problems.length > 0, `no problem found in ${JSON.stringify(text)}`);
    assert.match(
      formatProblems('x', problems)
        .split('\n')
        .find((l) => l.trim().startsWith('x:'))!
        .trim(),
      re,
    );
  }
});

test('memory sizes and link rates', () => {
  assert.equal(parseMemory('512M'), 512 * MB);
  assert.equal(parseMemory('512Mi'), 512 * MB);
  assert.equal(parseMemory('1.5G'), 1.5 * 1024 * MB);
  assert.equal(parseMemory('64k'), 64 * 1024);
  assert.equal(parseMemory('1000'), 1000);
  assert.equal(parseMemory('2 GB'), 2 * 1024 * MB);
  for (const bad of ['lots', '-1M', '1MM', 'M', '1X']) assert.equal(parseMemory(bad), undefined, bad);
  assert.equal(formatMemory(256 * MB), '256M');
  assert.equal(formatMemory(1.5 * 1024 * MB), '1.5G');
  assert.deepEqual(parseLinkRate('100mbit'), { bitsPerSecond: 1e8, tc: '100000000bit' });
  assert.deepEqual(parseLinkRate('1.5Mbit'), { bitsPerSecond: 1.5e6, tc: '1500000bit' });
  // tc reads "mbps" as megaBYTES per second: refused rather than silently 8x off.
  for (const bad of ['100mbps', '100', 'fast', '0bit']) assert.equal(parseLinkRate(bad), undefined, bad);
});
