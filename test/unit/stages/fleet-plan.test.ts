import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import {
  dbClients,
  hbaAddress,
  maxConnectionsFor,
  sharedBuffersFor,
} from '../../../src/stages/fleet/db-conf.js';
import { fleetDbClients, fleetOptions } from '../../../src/stages/fleet/index.js';
import {
  fleetHostProblems,
  hostPhases,
  memcachedMegabytes,
  planFleet,
  processesPerHost,
} from '../../../src/stages/fleet/plan.js';
import { debianFacts, factsFor, labHosts, labPlan, RELEASE, realHosts } from './fleet-fixture.js';

const MB = 1024 * 1024;

/** What each host runs, in a form short enough to compare whole. */
const summary = (plan: ReturnType<typeof labPlan>) =>
  plan.hosts.map((h) => ({
    host: h.name,
    programs: h.programs.map(
      (p) =>
        `${p.name}${p.autostart ? '' : ' (later)'} ${p.listen.address}:${p.listen.port}${p.user ? ` as ${p.user}` : ''}`,
    ),
    files: h.files.map((f) => `${f.path} ${f.mode.toString(8)}${f.owner ? ` ${f.owner}` : ''}`),
  }));

test('the default lab: each role on its host, every port and file where the plan says', () => {
  const plan = labPlan();
  assert.deepEqual(summary(plan), [
    {
      host: 'lb',
      programs: ['nginx 10.201.7.11:8080'],
      files: [
        '/var/lib/flickr-killr/supervisor/supervisord.conf 600',
        '/var/lib/flickr-killr/nginx/nginx.conf 644',
        '/var/lib/flickr-killr/nginx/app-servers.conf 644',
      ],
    },
    {
      host: 'app1',
      programs: ['app-1 10.201.7.12:9001'],
      files: [
        '/var/lib/flickr-killr/supervisor/supervisord.conf 600',
        '/var/lib/flickr-killr/supervisor/programs.d/app-1.conf 600',
      ],
    },
    {
      host: 'app2',
      programs: ['app-1 10.201.7.13:9001'],
      files: [
        '/var/lib/flickr-killr/supervisor/supervisord.conf 600',
        '/var/lib/flickr-killr/supervisor/programs.d/app-1.conf 600',
      ],
    },
    {
      host: 'cache',
      programs: ['memcached 10.201.7.14:11211'],
      files: ['/var/lib/flickr-killr/supervisor/supervisord.conf 600'],
    },
    {
      host: 'sessions',
      programs: ['redis 10.201.7.15:6379'],
      files: ['/var/lib/flickr-killr/supervisor/supervisord.conf 600'],
    },
    {
      host: 'db',
      programs: ['postgres 10.201.7.16:5432 as postgres'],
      files: [
        '/var/lib/flickr-killr/supervisor/supervisord.conf 600',
        '/var/lib/flickr-killr/pg/postgresql.conf 600 postgres',
        '/var/lib/flickr-killr/pg/pg_hba.conf 600 postgres',
      ],
    },
  ]);
  assert.equal(plan.url, 'http://10.201.7.11:8080');
  assert.equal(plan.databaseUrl, 'postgres://fk@10.201.7.16:5432/flickr_killr');
  assert.equal(plan.adminUrl, 'postgres://fk@10.201.7.16:5432/postgres');
  assert.equal(plan.sessionsUrl, 'redis://10.201.7.15:6379');
  assert.deepEqual(plan.cacheServers, ['10.201.7.14:11211']);
  assert.deepEqual(plan.appServers, ['10.201.7.12:9001', '10.201.7.13:9001']);
  assert.equal(plan.releaseDir, `/srv/flickr-killr/releases/${RELEASE}`);
  // Only the plan's paths, all inside the host's own folders.
  for (const h of plan.hosts)
    for (const p of [...h.files.map((f) => f.path), ...h.dirs.map((d) => d.path)])
      assert.match(p, /^\/var\/(lib|log)\/flickr-killr(\/|$)/, p);
});

test('an app process is its AppProcessSpec: the release, the db host, Redis, every cache host, filling', () => {
  const plan = labPlan();
  const app = plan.hosts.find((h) => h.name === 'app2')!.programs[0]!;
  assert.deepEqual(app.argv, [
    '/usr/bin/node',
    `/srv/flickr-killr/releases/${RELEASE}/dist/cli/main.js`,
    'app-server',
    '--host',
    '10.201.7.13',
    '--port',
    '9001',
    '--db',
    'postgres://fk@10.201.7.16:5432/flickr_killr',
    '--static',
    '/var/lib/flickr-killr/static',
    '--sessions',
    'redis',
    '--redis',
    'redis://10.201.7.15:6379',
    '--memcached',
    '10.201.7.14:11211',
    '--fill-memcached',
  ]);
  assert.deepEqual(app.env, {}, 'no password: nothing in the environment');
  assert.equal(app.directory, `/srv/flickr-killr/releases/${RELEASE}`);
  // A password never goes into argv: it travels as DATABASE_URL.
  const secret = labPlan({ externalDbUrl: 'postgres://app:s3cret@192.0.2.5/fk' }).hosts.find(
    (h) => h.name === 'app1',
  )!.programs[0]!;
  assert.ok(!secret.argv.some((a) => a.includes('s3cret')));
  assert.deepEqual(secret.env, { DATABASE_URL: 'postgres://app:s3cret@192.0.2.5/fk' });
});

test('the daemons: foreground argv, their own addresses, no persistence, as their own users', () => {
  const plan = labPlan();
  const prog = (host: string) => plan.hosts.find((h) => h.name === host)!.programs[0]!;
  assert.deepEqual(prog('db').argv, [
    '/usr/lib/postgresql/15/bin/postgres',
    '-D',
    '/var/lib/flickr-killr/pg',
  ]);
  assert.equal(prog('db').stopSignal, 'INT', 'fast shutdown');
  assert.deepEqual(prog('sessions').argv, [
    '/usr/bin/redis-server',
    '--bind',
    '10.201.7.15',
    '--port',
    '6379',
    '--protected-mode',
    'no',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--dir',
    '/var/lib/flickr-killr/redis',
  ]);
  // Half of the cache host's 128M.
  assert.deepEqual(prog('cache').argv, [
    '/usr/bin/memcached',
    '-l',
    '10.201.7.14',
    '-p',
    '11211',
    '-U',
    '0',
    '-m',
    '64',
    '-c',
    '4096',
    '-u',
    'nobody',
  ]);
  assert.equal(prog('lb').stopSignal, 'QUIT', 'graceful');
  assert.deepEqual(plan.hosts.find((h) => h.name === 'db')!.initdb, [
    '/usr/bin/setpriv',
    '--reuid',
    'postgres',
    '--regid',
    'postgres',
    '--init-groups',
    '--',
    '/usr/lib/postgresql/15/bin/initdb',
    '-D',
    '/var/lib/flickr-killr/pg',
    '-U',
    'fk',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-instructions',
  ]);
});

test('real machines, roles shared, a non-root ssh user: later phases wait, nobody switches users', () => {
  const hosts = realHosts();
  const plan = planFleet(hosts, factsFor(hosts, debianFacts({ uid: 1000, cores: 4, client: '192.0.2.99' })), {
    releaseId: RELEASE,
  });
  assert.deepEqual(summary(plan), [
    {
      host: 'web1',
      // cpu: 2 in the file → 2 processes; nginx waits for the app hosts' turn.
      programs: ['app-1 192.0.2.10:9001', 'app-2 192.0.2.10:9002', 'nginx (later) 192.0.2.10:8080'],
      files: [
        '/var/lib/flickr-killr/supervisor/supervisord.conf 600',
        '/var/lib/flickr-killr/nginx/nginx.conf 644',
        '/var/lib/flickr-killr/nginx/app-servers.conf 644',
        '/var/lib/flickr-killr/supervisor/programs.d/app-1.conf 600',
        '/var/lib/flickr-killr/supervisor/programs.d/app-2.conf 600',
      ],
    },
    // No cpu in the file: the host's own 4 cores.
    {
      host: 'web2',
      programs: [
        'app-1 192.0.2.11:9001',
        'app-2 192.0.2.11:9002',
        'app-3 192.0.2.11:9003',
        'app-4 192.0.2.11:9004',
      ],
      files: [
        '/var/lib/flickr-killr/supervisor/supervisord.conf 600',
        '/var/lib/flickr-killr/supervisor/programs.d/app-1.conf 600',
        '/var/lib/flickr-killr/supervisor/programs.d/app-2.conf 600',
        '/var/lib/flickr-killr/supervisor/programs.d/app-3.conf 600',
        '/var/lib/flickr-killr/supervisor/programs.d/app-4.conf 600',
      ],
    },
    {
      host: 'store',
      programs: ['postgres 192.0.2.20:5432', 'redis 192.0.2.20:6379', 'memcached 192.0.2.20:11211'],
      files: [
        '/var/lib/flickr-killr/supervisor/supervisord.conf 600',
        '/var/lib/flickr-killr/pg/postgresql.conf 600',
        '/var/lib/flickr-killr/pg/pg_hba.conf 600',
      ],
    },
  ]);
  const store = plan.hosts.find((h) => h.name === 'store')!;
  assert.equal(store.initdb?.[0], '/usr/lib/postgresql/15/bin/initdb', 'no setpriv when not root');
  assert.ok(!store.programs.find((p) => p.name === 'memcached')!.argv.includes('-u'));
  assert.deepEqual(hostPhases(store), { first: 'backend', last: 'backend' });
  assert.deepEqual(hostPhases(plan.hosts[0]!), { first: 'app', last: 'lb' });
  assert.equal(plan.appServers.length, 6);
  // 2G: shared buffers 512 MB (a quarter, capped), memcached 1 GB (half).
  assert.match(store.files[1]!.content, /^shared_buffers = 512MB$/m);
  assert.ok(store.programs.find((p) => p.name === 'memcached')!.argv.includes('1024'));
  assert.match(store.files[2]!.content, /192\.0\.2\.99\/32 +trust +# the machine that runs the fleet/);
});

test('appHosts: the first N app hosts only; the others are left alone', () => {
  const plan = labPlan({ appHosts: 1 });
  assert.deepEqual(
    plan.hosts.map((h) => h.name),
    ['lb', 'app1', 'cache', 'sessions', 'db'],
  );
  assert.deepEqual(plan.appServers, ['10.201.7.12:9001']);
  const nginx = plan.hosts[0]!.files.find((f) => f.path.endsWith('/app-servers.conf'))!.content;
  assert.match(nginx, /server 10\.201\.7\.12:9001 /);
  assert.doesNotMatch(nginx, /10\.201\.7\.13/);
  const hba = plan.hosts.find((h) => h.name === 'db')!.files[2]!.content;
  // Every app host of the list is admitted: `deploy hosts add app2` needs it.
  assert.match(hba, /10\.201\.7\.13/, 'app2 is admitted');
});

test('a server of the user (--db URL): no db host needed, and none used', () => {
  const hosts = labHosts().filter((h) => h.name !== 'db');
  const plan = planFleet(hosts, factsFor(hosts), {
    releaseId: RELEASE,
    externalDbUrl: 'postgres://fk@192.0.2.5/fk',
  });
  assert.equal(plan.dbHost, undefined);
  assert.equal(plan.adminUrl, undefined);
  assert.ok(plan.hosts.every((h) => h.programs.every((p) => p.role !== 'db')));
  // A db host in the list is then not touched at all.
  const all = labHosts();
  const withDb = planFleet(all, factsFor(all), {
    releaseId: RELEASE,
    externalDbUrl: 'postgres://fk@192.0.2.5/fk',
  });
  assert.equal(
    withDb.hosts.find((h) => h.name === 'db'),
    undefined,
  );
});

test('a host list that cannot make a fleet: every problem at once', () => {
  const hosts = labHosts().filter((h) => !['lb', 'cache'].includes(h.name));
  assert.deepEqual(fleetHostProblems(hosts, { externalDb: false, appHosts: 3 }), [
    'the fleet needs exactly one lb host (nginx, the front door), the list has 0',
    'the fleet needs at least one cache host (memcached)',
    '3 app hosts asked for, the list has 2',
  ]);
  assert.throws(
    () => planFleet(hosts, factsFor(hosts), { releaseId: RELEASE }),
    (e) => isFkError(e) && e.code === 'E_HOSTS_INVALID' && /lb host.*cache host/.test(e.message),
  );
  const twoLb = labHosts().map((h) => (h.name === 'app2' ? { ...h, roles: ['lb' as const] } : h));
  assert.match(fleetHostProblems(twoLb, { externalDb: false })[0]!, /exactly one lb host .* has 2/);
});

test('a host without what its roles need: E_PREREQ_MISSING naming host, binary and package', () => {
  const hosts = labHosts();
  const facts = factsFor(hosts);
  const bare = debianFacts();
  delete bare.bins.node;
  delete bare.bins.supervisord;
  facts.app2 = bare;
  facts.db = { ...debianFacts(), bins: { ...debianFacts().bins, postgres: undefined, initdb: undefined } };
  facts.app1 = { ...debianFacts(), nodeVersion: 'v18.19.0' };
  assert.throws(
    () => planFleet(hosts, facts, { releaseId: RELEASE }),
    (e) =>
      isFkError(e) &&
      e.code === 'E_PREREQ_MISSING' &&
      e.message.includes('host app1 (10.201.7.12) lacks node >= 20.10 (it has v18.19.0)') &&
      e.message.includes(
        'host app2 (10.201.7.13) lacks supervisord (apt-get install supervisor), node (Node.js 20 or newer',
      ) &&
      e.message.includes('host db (10.201.7.16) lacks postgres (apt-get install postgresql), initdb'),
  );
});

test('sizes: processes per core of the quota, shared buffers and memcached from memory', () => {
  const [lb] = labHosts();
  assert.equal(processesPerHost({ ...lb!, cpu: 0.25 }, undefined), 1);
  assert.equal(processesPerHost({ ...lb!, cpu: 1 }, undefined), 1);
  assert.equal(processesPerHost({ ...lb!, cpu: 1.5 }, undefined), 2);
  assert.equal(processesPerHost({ ...lb!, cpu: undefined }, debianFacts({ cores: 8 })), 8);
  assert.equal(processesPerHost({ ...lb!, cpu: 0.25 }, undefined, 3), 3, '--workers wins');
  assert.equal(sharedBuffersFor(512 * MB), 128);
  assert.equal(sharedBuffersFor(8 * 1024 * MB), 512);
  assert.equal(sharedBuffersFor(undefined), 512);
  assert.equal(maxConnectionsFor(4), 100);
  assert.equal(maxConnectionsFor(200), 220);
  assert.equal(memcachedMegabytes(128 * MB), 64);
  assert.equal(memcachedMegabytes(undefined), 64);
  assert.equal(fleetDbClients(labHosts(3)), 3);
  assert.equal(fleetDbClients(realHosts()), 3, 'web1 cpu 2, web2 unknown: 1 until probed');
});

test('pg_hba: one line per app host and this machine, IPs as /32, names as they are', () => {
  assert.equal(hbaAddress('10.0.0.1'), '10.0.0.1/32');
  assert.equal(hbaAddress('fd00::1'), 'fd00::1/128');
  assert.equal(hbaAddress('db.example.org'), 'db.example.org');
  assert.deepEqual(
    dbClients(
      [
        { name: 'a', address: '10.0.0.2' },
        { name: 'b', address: '10.0.0.2' },
      ],
      '10.0.0.1',
    ).map((c) => `${c.address} ${c.why}`),
    ['10.0.0.2/32 app host a', '10.0.0.1/32 the machine that runs the fleet (seed, checks)'],
  );
});

test("the stage's options: hosts needed, sessions only in Redis, no local own cluster", () => {
  const base = { db: { kind: 'sqlite' as const, path: '' }, runDir: '/tmp/x' };
  const code = (f: () => unknown) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return isFkError(e) ? `${e.code}: ${e.message}` : String(e);
    }
  };
  assert.match(
    code(() => fleetOptions(base)),
    /E_USAGE: stage fleet needs hosts/,
  );
  const hosts = labHosts();
  assert.match(
    code(() => fleetOptions({ ...base, hosts, sessions: 'db' })),
    /E_USAGE: .*Redis/,
  );
  assert.match(
    code(() =>
      fleetOptions({
        ...base,
        hosts,
        db: { kind: 'postgres', url: 'postgres://fk@127.0.0.1:1/x', staticRoot: '/s', own: true },
      }),
    ),
    /E_USAGE: --db postgres is a cluster on this machine's loopback/,
  );
  const o = fleetOptions({
    ...base,
    hosts,
    port: 0,
    workers: 2,
    db: { kind: 'postgres', url: 'postgres://fk@192.0.2.5/fk', staticRoot: '/data/static', own: false },
  });
  assert.deepEqual(
    { port: o.port, workers: o.workersPerHost, db: o.externalDb },
    { port: undefined, workers: 2, db: { url: 'postgres://fk@192.0.2.5/fk', staticRoot: '/data/static' } },
  );
});
