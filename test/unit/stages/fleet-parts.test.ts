import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  artifactId,
  artifactRoots,
  hashTree,
  manifestText,
  parseNpmLsParseable,
  shipCheckScript,
  shipVerifyArgv,
} from '../../../src/deploy/artifact.js';
import { isFkError } from '../../../src/errors.js';
import { procStatBusyUs } from '../../../src/stages/fleet/host-cpu.js';
import { neededBinaries, parseProbe, probeArgv } from '../../../src/stages/fleet/host-facts.js';
import { logTailArgv, parseStatus, supervisorctlArgv } from '../../../src/stages/fleet/host-scripts.js';
import { parseAccessLog } from '../../../src/stages/fleet/lb-conf.js';
import { staticLinks } from '../../../src/stages/fleet/smoke.js';
import { labPlan } from './fleet-fixture.js';

const scratch = mkdtempSync(join(tmpdir(), 'fk-fleet-unit-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('the probe: one command, its answer parsed; only absolute paths count as found', () => {
  const argv = probeArgv('/opt/node/bin/node');
  assert.deepEqual([argv[0], argv[1], argv[3], argv[4]], ['sh', '-c', 'fk-probe', '/opt/node/bin/node']);
  assert.match(argv[2]!, /ls -d \/usr\/lib\/postgresql\/\*\/bin/);
  const facts = parseProbe(
    'db',
    [
      'uid=0',
      'cores=2',
      'client=10.201.7.1',
      'bin.supervisord=/usr/bin/supervisord',
      'bin.nginx=',
      'bin.memcached=memcached: not found',
      'bin.node=/usr/bin/node',
      'node.version=v20.20.2',
      'bin.postgres=/usr/lib/postgresql/15/bin/postgres',
      '',
    ].join('\n'),
  );
  assert.deepEqual(facts, {
    uid: 0,
    cores: 2,
    bins: {
      supervisord: '/usr/bin/supervisord',
      node: '/usr/bin/node',
      postgres: '/usr/lib/postgresql/15/bin/postgres',
    },
    nodeVersion: 'v20.20.2',
    clientAddress: '10.201.7.1',
  });
  assert.throws(
    () => parseProbe('app1', 'sh: 1: id: not found\n'),
    (e) => isFkError(e) && e.code === 'E_REMOTE_COMMAND' && e.message.includes('app1'),
  );
  assert.deepEqual(
    neededBinaries(['db'], { ownDb: true, root: true }).map((n) => n.binary),
    ['supervisord', 'supervisorctl', 'postgres', 'initdb', 'setpriv'],
  );
  assert.deepEqual(
    neededBinaries(['db', 'app'], { ownDb: false, root: false }).map((n) => n.binary),
    ['supervisord', 'supervisorctl', 'node', 'sha256sum'],
  );
});

test('supervisorctl and its status lines', () => {
  const app1 = labPlan().hosts.find((h) => h.name === 'app1')!;
  assert.deepEqual(supervisorctlArgv(app1, 'stop', 'app-1'), [
    '/usr/bin/supervisorctl',
    '-c',
    '/var/lib/flickr-killr/supervisor/supervisord.conf',
    'stop',
    'app-1',
  ]);
  assert.deepEqual(logTailArgv('/var/log/flickr-killr/app-1.log'), [
    'tail',
    '-n',
    '15',
    '/var/log/flickr-killr/app-1.log',
  ]);
  assert.deepEqual(
    parseStatus(
      'app-1                            RUNNING   pid 4242, uptime 0:00:05\nnginx                            FATAL     Exited too quickly (process log may have details)\n',
    ),
    [
      { name: 'app-1', state: 'RUNNING', pid: 4242, detail: 'pid 4242, uptime 0:00:05' },
      { name: 'nginx', state: 'FATAL', detail: 'Exited too quickly (process log may have details)' },
    ],
  );
});

test('the artifact: production packages from npm ls, a canonical manifest, an id that follows the content', () => {
  const root = '/work/p';
  assert.deepEqual(
    parseNpmLsParseable(
      [
        root,
        `${root}/node_modules/postgres`,
        `${root}/node_modules/eta`,
        `${root}/node_modules/tar-fs/node_modules/chownr`,
        `${root}/node_modules/tar-fs`,
        '/elsewhere/node_modules/x',
        '',
      ].join('\n'),
      root,
    ),
    ['node_modules/eta', 'node_modules/postgres', 'node_modules/tar-fs'],
  );
  assert.deepEqual(artifactRoots(['node_modules/eta']), [
    'dist',
    'package.json',
    'static',
    'node_modules/eta',
  ]);

  const tree = join(scratch, 'tree');
  mkdirSync(join(tree, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(tree, 'dist', 'cli', 'main.js'), 'console.log(1)\n');
  writeFileSync(join(tree, 'dist', '.tsbuildinfo'), 'changes on every build');
  writeFileSync(join(tree, 'package.json'), '{}\n');
  const entries = hashTree(tree, artifactRoots([]));
  const manifest = manifestText(entries);
  // sha256sum's own format, sorted; tsc's state is left out.
  assert.equal(
    manifest,
    '3879a5d930ae1999b278a3a498f7de3fd83ba8dae59330fcfa2db31c103ac21d  dist/cli/main.js\n' +
      'ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356  package.json\n',
  );
  const id = artifactId(manifest);
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(artifactId(manifestText([...entries].reverse())), id, 'order of the walk does not matter');
  writeFileSync(join(tree, 'package.json'), '{"x":1}\n');
  assert.notEqual(artifactId(manifestText(hashTree(tree, artifactRoots([])))), id, 'one byte changes the id');
});

test('shipping: skip a verified release, else a clean incoming folder, checked, then renamed into place', () => {
  const dir = '/srv/flickr-killr/releases/0123456789abcdef';
  assert.equal(
    shipCheckScript(dir, '0123456789abcdef'),
    [
      'set -e',
      `if [ "$(cat ${dir}/.fk-verified 2>/dev/null)" = 0123456789abcdef ]; then echo have; exit 0; fi`,
      `rm -rf ${dir}.incoming`,
      `mkdir -p "$(dirname ${dir}.incoming)"`,
      'echo need',
      '',
    ].join('\n'),
  );
  assert.deepEqual(shipVerifyArgv(dir, '0123456789abcdef'), [
    'sh',
    '-c',
    'set -e; inc=$1.incoming; cd "$inc"; sha256sum --quiet --strict -c - >&2; printf %s "$2" > "$inc/$3"; cd /; rm -rf "$1"; mv "$inc" "$1"',
    'fk-verify',
    dir,
    '0123456789abcdef',
    '.fk-verified',
  ]);
});

test("CPU of a real machine from /proc/stat; the smoke check's static links", () => {
  // user nice system idle iowait irq softirq steal: busy = 100+5+20+1+2+0 ticks of 10 ms.
  assert.equal(
    procStatBusyUs('cpu  100 5 20 9000 30 1 2 0 0 0\ncpu0 50 2 10 4500 15 1 1 0 0 0\n'),
    1_280_000,
  );
  assert.equal(procStatBusyUs(''), 0);
  assert.deepEqual(
    staticLinks(
      '<link href="/static/site.css" rel="stylesheet"><img src="/static/thumbs/t0001.png?v=2"><img src="/static/thumbs/t0001.png"><a href="/users/2">',
    ),
    ['/static/site.css', '/static/thumbs/t0001.png'],
  );
});

test("the lb's access log: every upstream tried, what each answered and how long it took", () => {
  const log = [
    '1764633600.123|GET|/users/3|200|10.0.0.12:9001, 10.0.0.13:9001|504, 200|0.250, 0.004|0.255',
    '1764633600.200|POST|/login|504|10.0.0.12:9001|504|5.001|5.002',
    '1764633600.300|GET|/static/site.css|200|10.0.0.14:11211 : 10.0.0.13:9001|404 : 200|0.001 : 0.003|0.005',
    '1764633600.400|GET|/static/site.css|200|10.0.0.14:11211|200|0.001|0.001',
    'not a line of ours',
  ].join('\n');
  assert.deepEqual(parseAccessLog(log), [
    {
      at: 1764633600.123,
      method: 'GET',
      uri: '/users/3',
      status: 200,
      upstreams: ['10.0.0.12:9001', '10.0.0.13:9001'],
      upstreamStatus: ['504', '200'],
      upstreamTimes: [0.25, 0.004],
      requestTime: 0.255,
    },
    {
      at: 1764633600.2,
      method: 'POST',
      uri: '/login',
      status: 504,
      upstreams: ['10.0.0.12:9001'],
      upstreamStatus: ['504'],
      upstreamTimes: [5.001],
      requestTime: 5.002,
    },
    {
      at: 1764633600.3,
      method: 'GET',
      uri: '/static/site.css',
      status: 200,
      upstreams: ['10.0.0.14:11211', '10.0.0.13:9001'],
      upstreamStatus: ['404', '200'],
      upstreamTimes: [0.001, 0.003],
      requestTime: 0.005,
    },
    {
      at: 1764633600.4,
      method: 'GET',
      uri: '/static/site.css',
      status: 200,
      upstreams: ['10.0.0.14:11211'],
      upstreamStatus: ['200'],
      upstreamTimes: [0.001],
      requestTime: 0.001,
    },
  ]);
});
