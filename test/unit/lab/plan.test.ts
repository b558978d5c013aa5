import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import { defaultLabHosts } from '../../../src/lab/default-hosts.js';
import {
  hostLaunchArgv,
  JOIN_CGROUP_SCRIPT,
  MOUNT_STEPS_SCRIPT,
  mountStepWords,
  sshdArgv,
} from '../../../src/lab/launch-argv.js';
import {
  checkLabName,
  DEFAULT_LAB_PATHS,
  isLabLink,
  isLabNetns,
  MAX_LAB_HOSTS,
  vethName,
} from '../../../src/lab/naming.js';
import {
  bridgeUpArgv,
  hostLinkArgv,
  hostNetArgv,
  linkRateArgv,
  namesFromJson,
  netnsDelArgv,
  netnsPidsArgv,
  routeListArgv,
} from '../../../src/lab/net-argv.js';
import { hostMountSteps, planLab } from '../../../src/lab/plan.js';
import { parseCidr } from '../../../src/lab/subnet.js';
import { labHostProblems } from '../../../src/lab/up.js';
import { fixedLab } from './lab-fixture.js';

test('a plan: addresses from .11, names from the lab name, cgroups and folders per host', () => {
  const s = fixedLab();
  assert.equal(s.subnet, '10.201.7.0/24');
  assert.equal(s.gateway, '10.201.7.1');
  assert.equal(s.bridge, 'fkl-t1');
  assert.equal(s.stateDir, '/run/flickr-killr/labs/t1');
  const app1 = s.hosts[1]!;
  assert.deepEqual(
    { name: app1.name, address: app1.address, netns: app1.netns, veth: app1.veth, cgroup: app1.cgroup },
    {
      name: 'app1',
      address: '10.201.7.12',
      netns: 'fkl-t1-app1',
      veth: 'fkl-t1-1',
      cgroup: 'flickr-killr-lab/t1/app1',
    },
  );
  assert.deepEqual(app1.cgroupProcs, [
    '/sys/fs/cgroup/cpu/flickr-killr-lab/t1/app1/cgroup.procs',
    '/sys/fs/cgroup/cpuacct/flickr-killr-lab/t1/app1/cgroup.procs',
    '/sys/fs/cgroup/memory/flickr-killr-lab/t1/app1/cgroup.procs',
  ]);
  assert.deepEqual(app1.dirsOnDisk, {
    srv: '/var/lib/flickr-killr-lab/t1/app1/srv',
    lib: '/var/lib/flickr-killr-lab/t1/app1/lib',
    log: '/var/lib/flickr-killr-lab/t1/app1/log',
    tmp: '/var/lib/flickr-killr-lab/t1/app1/tmp',
  });
  assert.equal(app1.sshd.config, '/var/lib/flickr-killr-lab/t1/app1/sshd/sshd_config');
  assert.equal(app1.sshd.log, '/var/lib/flickr-killr-lab/t1/app1/log/sshd.log');
  assert.equal(new Set(s.hosts.map((h) => h.address)).size, s.hosts.length);
});

test('interface names fit IFNAMSIZ (15 bytes) for the longest lab name and host index', () => {
  const longest = checkLabName('abcdefgh');
  assert.equal(vethName(longest, MAX_LAB_HOSTS - 1).length, 15);
  assert.ok(fixedLab('abcdefgh', 20).hosts.every((h) => h.veth.length <= 15));
  for (const bad of ['', 'Lab', 'a-b', 'abcdefghi', '1ab', 'a_b'])
    assert.throws(
      () => checkLabName(bad),
      (e) => isFkError(e) && e.code === 'E_USAGE',
      bad,
    );
});

test("a lab's objects are recognised by name, never another lab's", () => {
  assert.ok(isLabLink('a', 'fkl-a'));
  assert.ok(isLabLink('a', 'fkl-a-0'));
  assert.ok(isLabLink('a', 'fkl-a-42'));
  assert.ok(!isLabLink('a', 'fkl-ab'));
  assert.ok(!isLabLink('a', 'fkl-ab-1'));
  assert.ok(!isLabLink('a', 'fkl-a-123'));
  assert.ok(!isLabLink('a', 'eth0'));
  assert.ok(isLabNetns('a', 'fkl-a-app1'));
  assert.ok(!isLabNetns('a', 'fkl-ab-app1'));
  assert.ok(!isLabNetns('a', 'fkl-a'));
});

test('a lab refuses real machines and more than 99 hosts', () => {
  const hosts = defaultLabHosts(1);
  hosts.push({ name: 'real', roles: ['app'], address: '192.0.2.9', ssh: { port: 22 }, line: 30 });
  assert.deepEqual(
    labHostProblems(hosts).map((p) => p.line),
    [30],
  );
  const many = Array.from({ length: 100 }, (_, i) => ({ ...defaultLabHosts(1)[1]!, name: `h${i}` }));
  assert.match(labHostProblems(many)[0]!.message, /at most 99 hosts/);
  assert.throws(() =>
    planLab({
      name: 'x',
      hosts: many,
      subnet: parseCidr('10.201.0.0/24')!,
      cgroupLayout: { version: 2, root: '/cg' },
      paths: DEFAULT_LAB_PATHS,
      createdAt: '',
    }),
  );
});

test('ip argv: bridge, then per host a netns, a veth born with its end inside, addresses, links up', () => {
  assert.deepEqual(bridgeUpArgv('fkl-t1', '10.201.7.1/24'), [
    ['ip', 'link', 'add', 'fkl-t1', 'type', 'bridge'],
    ['ip', 'addr', 'add', '10.201.7.1/24', 'dev', 'fkl-t1'],
    ['ip', 'link', 'set', 'fkl-t1', 'up'],
  ]);
  const h = { netns: 'fkl-t1-app1', veth: 'fkl-t1-1', bridge: 'fkl-t1', addressCidr: '10.201.7.12/24' };
  assert.deepEqual(hostNetArgv(h), [
    ['ip', 'netns', 'add', 'fkl-t1-app1'],
    ['ip', 'link', 'add', 'fkl-t1-1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'fkl-t1-app1'],
    ['ip', 'link', 'set', 'fkl-t1-1', 'master', 'fkl-t1', 'up'],
    ['ip', '-n', 'fkl-t1-app1', 'addr', 'add', '10.201.7.12/24', 'dev', 'eth0'],
    ['ip', '-n', 'fkl-t1-app1', 'link', 'set', 'lo', 'up'],
    ['ip', '-n', 'fkl-t1-app1', 'link', 'set', 'eth0', 'up'],
  ]);
  const link = { bitsPerSecond: 1e8, tc: '100000000bit' };
  const withLink = hostNetArgv({ ...h, link });
  assert.deepEqual(withLink.slice(6), linkRateArgv('fkl-t1-app1', 'fkl-t1-1', link));
  assert.deepEqual(linkRateArgv('fkl-t1-app1', 'fkl-t1-1', link), [
    [
      'ip',
      'netns',
      'exec',
      'fkl-t1-app1',
      'tc',
      'qdisc',
      'add',
      'dev',
      'eth0',
      'root',
      'tbf',
      'rate',
      '100000000bit',
      'burst',
      '125000b',
      'latency',
      '50ms',
    ],
    [
      'tc',
      'qdisc',
      'add',
      'dev',
      'fkl-t1-1',
      'root',
      'tbf',
      'rate',
      '100000000bit',
      'burst',
      '125000b',
      'latency',
      '50ms',
    ],
  ]);
  // A slow link still gets a burst of at least one frame.
  assert.equal(linkRateArgv('n', 'v', { bitsPerSecond: 64000, tc: '64000bit' })[0]![14], '1600b');
  assert.deepEqual(hostLinkArgv('fkl-t1-app1', 'down'), [
    'ip',
    '-n',
    'fkl-t1-app1',
    'link',
    'set',
    'eth0',
    'down',
  ]);
  assert.deepEqual(netnsDelArgv('fkl-t1-db'), ['ip', 'netns', 'del', 'fkl-t1-db']);
  assert.deepEqual(netnsPidsArgv('fkl-t1-db'), ['ip', 'netns', 'pids', 'fkl-t1-db']);
  assert.deepEqual(routeListArgv(), ['ip', '-j', 'route', 'show', 'table', 'all']);
  assert.deepEqual(namesFromJson('[{"name":"fkl-t1-db","id":3},{"name":"x"}]', 'name'), ['fkl-t1-db', 'x']);
  assert.deepEqual(namesFromJson('', 'ifname'), []);
});

test('mount steps: own folders over the shared paths, sshd folder, then the lab state and all host folders hidden', () => {
  const s = fixedLab();
  const app1 = s.hosts[1]!;
  assert.deepEqual(hostMountSteps(s, app1), [
    { step: 'bind', source: '/var/lib/flickr-killr-lab/t1/app1/srv', target: '/srv' },
    { step: 'bind', source: '/var/lib/flickr-killr-lab/t1/app1/lib', target: '/var/lib/flickr-killr' },
    { step: 'bind', source: '/var/lib/flickr-killr-lab/t1/app1/log', target: '/var/log/flickr-killr' },
    { step: 'bind', source: '/var/lib/flickr-killr-lab/t1/app1/tmp', target: '/tmp' },
    { step: 'bind', source: '/var/lib/flickr-killr-lab/t1/app1/root', target: '/root' },
    { step: 'bind', source: '/var/lib/flickr-killr-lab/t1/app1/sshd', target: '/run/flickr-killr/sshd' },
    { step: 'hide', target: '/run/flickr-killr/labs' },
    { step: 'hide', target: '/var/lib/flickr-killr-lab' },
    { step: 'hostname', name: 'app1' },
  ]);
  assert.deepEqual(
    mountStepWords([
      { step: 'hide', target: '/x' },
      { step: 'hostname', name: 'h' },
    ]),
    ['hide', '/x', 'hostname', 'h'],
  );
});

test('the launcher joins the cgroup first, then netns, then mount+UTS namespaces, then sshd', () => {
  const s = fixedLab();
  const db = s.hosts[5]!;
  const argv = hostLaunchArgv({
    procsFiles: db.cgroupProcs,
    netns: db.netns,
    steps: [
      { step: 'bind', source: '/d/srv', target: '/srv' },
      { step: 'hostname', name: 'db' },
    ],
    command: sshdArgv(
      '/usr/sbin/sshd',
      '/run/flickr-killr/sshd/sshd_config',
      '/var/log/flickr-killr/sshd.log',
    ),
  });
  assert.deepEqual(argv, [
    'sh',
    '-c',
    JOIN_CGROUP_SCRIPT,
    'fk-lab-join',
    '/sys/fs/cgroup/cpu/flickr-killr-lab/t1/db/cgroup.procs',
    '/sys/fs/cgroup/cpuacct/flickr-killr-lab/t1/db/cgroup.procs',
    '/sys/fs/cgroup/memory/flickr-killr-lab/t1/db/cgroup.procs',
    '--',
    'ip',
    'netns',
    'exec',
    'fkl-t1-db',
    'unshare',
    '--mount',
    '--uts',
    '--propagation',
    'private',
    'sh',
    '-c',
    MOUNT_STEPS_SCRIPT,
    'fk-lab-mounts',
    'bind',
    '/d/srv',
    '/srv',
    'hostname',
    'db',
    '--',
    '/usr/sbin/sshd',
    '-f',
    '/run/flickr-killr/sshd/sshd_config',
    '-E',
    '/var/log/flickr-killr/sshd.log',
  ]);
  // Values only ever arrive as positional parameters: the scripts quote every expansion.
  assert.doesNotMatch(JOIN_CGROUP_SCRIPT, /fkl-|flickr-killr-lab/);
  assert.match(JOIN_CGROUP_SCRIPT, /echo \$\$ > "\$1"/);
  for (const script of [JOIN_CGROUP_SCRIPT, MOUNT_STEPS_SCRIPT])
    assert.doesNotMatch(script.replace(/"[^"]*"/g, '""'), /\$[1-9@]/, 'an unquoted parameter in a script');
});
