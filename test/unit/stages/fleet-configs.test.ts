import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import { HOST_DIRS } from '../../../src/lab/host-spec.js';
import { appProcessSpec } from '../../../src/server/app-process-spec.js';
import { bootScript, prepareScript, shutdownScript } from '../../../src/stages/fleet/host-scripts.js';
import { FLEET_UPSTREAM_TUNING } from '../../../src/stages/fleet/lb-conf.js';
import { fleetPaths } from '../../../src/stages/fleet/paths.js';
import { planFleet } from '../../../src/stages/fleet/plan.js';
import { appProgram } from '../../../src/stages/fleet/programs.js';
import { renderProgramFile } from '../../../src/stages/fleet/supervisord-conf.js';
import { factsFor, labHosts, labPlan, RELEASE } from './fleet-fixture.js';

// Every config the fleet writes to a host, byte for byte; UPDATE_GOLDEN=1 rewrites the files.
const GOLDEN = new URL('../../fixtures/golden/', import.meta.url);
const golden = (name: string, actual: string) => {
  const file = new URL(name, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), name);
};

const plan = labPlan();
const host = (name: string) => plan.hosts.find((h) => h.name === name)!;
const file = (name: string, suffix: string) => host(name).files.find((f) => f.path.endsWith(suffix))!.content;

for (const [role, name] of [
  ['db', 'db'],
  ['sessions', 'sessions'],
  ['cache', 'cache'],
  ['app', 'app1'],
  ['lb', 'lb'],
] as const)
  test(`supervisord.conf of the ${role} host equals its golden file`, () => {
    golden(`fleet-supervisord-${role}.conf`, file(name, 'supervisord.conf'));
  });

test("the lb's nginx.conf, postgresql.conf and pg_hba.conf of the db host equal their golden files", () => {
  golden('fleet-nginx.conf', file('lb', 'nginx.conf'));
  golden('fleet-postgresql.conf', file('db', 'postgresql.conf'));
  golden('fleet-pg_hba.conf', file('db', 'pg_hba.conf'));
});

test('the scripts run on a host equal their golden files', () => {
  golden('fleet-prepare-db.sh', prepareScript(host('db')));
  golden('fleet-boot-app.sh', bootScript(host('app1')));
  golden('fleet-shutdown-app.sh', shutdownScript(host('app1')));
});

test('nginx on the lb: every app process of every host, failover timings, memcached rested when silent', () => {
  const conf = file('lb', 'nginx.conf');
  assert.match(conf, /listen 10\.201\.7\.11:8080 backlog=4096;/);
  assert.match(
    conf,
    /upstream app \{\n {4}include \/var\/lib\/flickr-killr\/nginx\/app-servers\.conf;\n {4}keepalive 128;/,
  );
  // The servers in a file of their own, which a deploy rewrites alone.
  assert.equal(
    file('lb', 'app-servers.conf'),
    'server 10.201.7.12:9001 max_fails=1 fail_timeout=5s;\nserver 10.201.7.13:9001 max_fails=1 fail_timeout=5s;\n',
  );
  assert.match(conf, new RegExp(`proxy_connect_timeout ${FLEET_UPSTREAM_TUNING.connectTimeout};`));
  assert.match(conf, new RegExp(`proxy_read_timeout ${FLEET_UPSTREAM_TUNING.readTimeout};`));
  assert.match(conf, /proxy_next_upstream error timeout http_502 http_504;/);
  assert.doesNotMatch(conf, /non_idempotent/, 'POST is never retried once sent');
  assert.match(conf, /server 10\.201\.7\.14:11211 max_fails=1 fail_timeout=2s;\n {4}keepalive 512;/);
  assert.doesNotMatch(conf, /hash \$uri consistent/, 'one cache host: no ring');
  assert.doesNotMatch(conf, /access_log \//);
  // Two cache hosts: nginx hashes $uri onto the same ring as the app's MemcachedCluster.
  const hosts2 = labPlan({ accessLog: true });
  const two = hosts2.hosts[0]!.files[1]!.content;
  assert.match(two, /access_log \/var\/log\/flickr-killr\/nginx-access\.log fleet;/);
  assert.match(two, /log_format fleet '\$msec\|\$request_method\|/);
});

test('several cache hosts: one list, one order, in nginx.conf (hashed ring) and in every app spec', () => {
  const hosts = labHosts();
  const cache = hosts.find((h) => h.name === 'cache')!;
  hosts.push({ ...cache, name: 'cache2', address: '10.201.7.20' });
  const p = planFleet(hosts, factsFor(hosts), { releaseId: RELEASE });
  assert.deepEqual(p.cacheServers, ['10.201.7.14:11211', '10.201.7.20:11211']);
  const nginx = p.hosts.find((h) => h.name === 'lb')!.files[1]!.content;
  assert.match(
    nginx,
    /hash \$uri consistent;\n {4}server 10\.201\.7\.14:11211 max_fails=1 fail_timeout=2s;\n {4}server 10\.201\.7\.20:11211 /,
  );
  for (const h of p.hosts.filter((x) => x.roles.includes('app'))) {
    const argv = h.programs[0]!.argv;
    assert.equal(argv[argv.indexOf('--memcached') + 1], '10.201.7.14:11211,10.201.7.20:11211', h.name);
  }
});

test('supervisor values: % doubled, nothing that its parser would cut, no password shown', () => {
  const paths = fleetPaths(HOST_DIRS);
  const spec = (db: string) =>
    appProcessSpec({
      host: '10.0.0.2',
      port: 9001,
      db,
      staticRoot: '/var/lib/flickr-killr/static',
      sessions: 'db',
    });
  const prog = (db: string) =>
    appProgram({ name: 'app-1', node: '/usr/bin/node', releaseDir: '/srv/r', spec: spec(db), paths });
  const render = (db: string) => renderProgramFile(prog(db), true);
  assert.match(
    render('postgres://fk:p%40ss@10.0.0.9/fk'),
    /^environment=DATABASE_URL="postgres:\/\/fk:p%%40ss@10\.0\.0\.9\/fk"$/m,
  );
  assert.throws(
    () => render('postgres://fk:a"b@10.0.0.9/fk'),
    (e) => isFkError(e) && e.code === 'E_USAGE' && !e.message.includes('a"b'),
  );
  const quoted = renderProgramFile({ ...prog('/x.db'), argv: ['/bin/echo', "it's", '100%'] }, false);
  assert.match(quoted, /^command=\/bin\/echo 'it'\\''s' 100%%$/m);
  assert.doesNotMatch(quoted, /^user=/m, 'no user switch unless root');
  assert.throws(
    () => renderProgramFile({ ...prog('/x.db'), argv: ['/bin/echo', 'a ;b'] }, true),
    /cannot be written safely/,
  );
});

test('--protect through the fleet: the lb bounds every app process of every host, each app process bounds its own', () => {
  const p = labPlan({ protect: { maxInFlight: 4 } });
  const lb = p.hosts.find((h) => h.name === 'lb')!.files.find((f) => f.path.endsWith('nginx.conf'))!.content;
  golden('fleet-nginx-protect.conf', lb);
  // The bound in a file of its own, which a deploy rewrites with the upstream's servers:
  // 2 app hosts × 1 process (0.25 core each) × 4 in flight.
  const limit = p.hosts.find((h) => h.name === 'lb')!.files.find((f) => f.path.endsWith('/app-limit.conf'))!;
  golden('fleet-app-limit.conf', limit.content);
  assert.match(limit.content, /^limit_conn fk_protect 8;$/m);
  assert.match(lb, /include \/var\/lib\/flickr-killr\/nginx\/app-limit\.conf;/);
  assert.match(lb, /Retry-After/);
  const apps = p.hosts.filter((h) => h.roles.includes('app'));
  assert.equal(apps.length, 2);
  for (const h of apps) {
    // Each app process is its own program file under programs.d/ (the deploy tool swaps them).
    const programs = h.files.filter((f) => f.path.includes('/programs.d/'));
    assert.ok(programs.length > 0, `${h.name}: no program file`);
    for (const f of programs) assert.match(f.content, /--max-in-flight[ =]4|FK_MAX_IN_FLIGHT="?4/, f.path);
  }
  // Without --protect nothing of it.
  assert.doesNotMatch(file('lb', 'nginx.conf'), /limit_conn/);
});
