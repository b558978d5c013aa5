import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInventory } from '../../../src/deploy/app-host.js';
import { type DeployState, keptArtifacts, withCurrent } from '../../../src/deploy/lb-state.js';
import {
  parseUpstream,
  protectReadScript,
  renderUpstream,
  switchScript,
} from '../../../src/deploy/lb-upstream.js';
import {
  batches,
  batchSize,
  freshPorts,
  makeRelease,
  parseEnvPairs,
  releaseId,
} from '../../../src/deploy/release.js';
import { rollbackTarget } from '../../../src/deploy/rollback.js';
import { HOST_DIRS } from '../../../src/lab/host-spec.js';
import { parseProtectLimit, renderProtectLimit } from '../../../src/stages/common/nginx-conf.js';
import { protectLimitPath } from '../../../src/stages/fleet/lb-conf.js';
import { fleetPaths } from '../../../src/stages/fleet/paths.js';
import { labPlan } from '../stages/fleet-fixture.js';

const config = {
  databaseUrl: 'postgres://fk@10.0.0.6/fk',
  sessionsUrl: 'redis://10.0.0.5:6379',
  workersPerHost: 1,
  env: {},
};

test('a release id is the build and the config: config only → new release, same build; key order irrelevant', () => {
  const a = releaseId('0123456789abcdef', config);
  assert.match(a, /^[0-9a-f]{12}$/);
  assert.equal(
    a,
    releaseId('0123456789abcdef', {
      env: {},
      workersPerHost: 1,
      sessionsUrl: config.sessionsUrl,
      databaseUrl: config.databaseUrl,
    }),
  );
  assert.notEqual(a, releaseId('0123456789abcdef', { ...config, env: { X: '1' } }));
  assert.notEqual(a, releaseId('fedcba9876543210', config));
  assert.deepEqual(parseEnvPairs(['A=1', 'B=x=y']), { A: '1', B: 'x=y' });
  assert.throws(() => parseEnvPairs(['nope']), /KEY=VALUE/);
});

test('max-in-flight is part of a release; a config without it keeps the id it always had', () => {
  // The ids these configs had before ReleaseConfig.maxInFlight existed: recorded releases stay valid.
  assert.equal(releaseId('0123456789abcdef', config), 'eff4820125ee');
  assert.equal(
    releaseId('0123456789abcdef', { ...config, workersPerHost: 2, env: { X: '1' } }),
    'ec4c69608736',
  );
  assert.equal(releaseId('0123456789abcdef', { ...config, maxInFlight: undefined }), 'eff4820125ee');
  const guarded = releaseId('0123456789abcdef', { ...config, maxInFlight: 4 });
  assert.notEqual(guarded, 'eff4820125ee');
  assert.notEqual(guarded, releaseId('0123456789abcdef', { ...config, maxInFlight: 8 }));
});

test('batches, --batch N|P%, fresh ports beside the used ones', () => {
  assert.equal(batchSize(undefined, 4, 1), 1);
  assert.equal(batchSize('2', 4, 1), 2);
  assert.equal(batchSize('100%', 4, 1), 4);
  assert.equal(batchSize('30%', 4, 1), 2);
  assert.throws(() => batchSize('0', 4, 1), /--batch/);
  assert.deepEqual(batches(['a', 'b', 'c'], 2), [['a', 'b'], ['c']]);
  assert.deepEqual(freshPorts(new Set([9001, 9003]), 2), [9002, 9004]);
});

test('the upstream file: rendered, parsed back; the switch script checks, restores, reloads, drains', () => {
  const text = renderUpstream(['10.0.0.2:9001', '10.0.0.3:9002']);
  assert.equal(
    text,
    'server 10.0.0.2:9001 max_fails=1 fail_timeout=5s;\nserver 10.0.0.3:9002 max_fails=1 fail_timeout=5s;\n',
  );
  assert.deepEqual(parseUpstream(text), ['10.0.0.2:9001', '10.0.0.3:9002']);
  const s = switchScript({ paths: fleetPaths(HOST_DIRS), nginx: '/usr/sbin/nginx' }, text, 15);
  const order = ['mv -f "$f.fk-new" "$f"', '-t -q', 'mv -f "$f.fk-old" "$f"', 'kill -HUP', 'drained='].map(
    (x) => s.indexOf(x),
  );
  assert.ok(
    order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!)),
    s,
  );
  assert.throws(() => renderUpstream([]), /no app server/);
});

test('the switch of a protected lb rewrites its limit file with the upstream: both in, both restored', () => {
  const paths = fleetPaths(HOST_DIRS);
  const plain = switchScript({ paths, nginx: '/usr/sbin/nginx' }, 'server a:1;\n', 15);
  assert.doesNotMatch(plain, /app-limit/);
  const limit = renderProtectLimit(4, 6);
  const s = switchScript({ paths, nginx: '/usr/sbin/nginx' }, 'server a:1;\n', 15, limit);
  assert.match(s, /^l=\/var\/lib\/flickr-killr\/nginx\/app-limit\.conf$/m);
  assert.ok(s.includes(`printf '%s' '${limit}' > "$l.fk-new"`), s);
  const order = [
    '> "$l.fk-new"',
    'cp -p "$f" "$f.fk-old"; cp -p "$l" "$l.fk-old"',
    'mv -f "$f.fk-new" "$f"; mv -f "$l.fk-new" "$l"',
    '-t -q',
    'mv -f "$f.fk-old" "$f"; mv -f "$l.fk-old" "$l"',
    'kill -HUP',
  ].map((x) => s.indexOf(x));
  assert.ok(
    order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!)),
    s,
  );
  // Read back from the lb only when its nginx.conf includes the file (a leftover is not in force).
  assert.equal(
    protectReadScript(paths),
    "grep -qF 'include /var/lib/flickr-killr/nginx/app-limit.conf;' /var/lib/flickr-killr/nginx/nginx.conf 2>/dev/null && cat /var/lib/flickr-killr/nginx/app-limit.conf 2>/dev/null || true\n",
  );
});

test("the lb's bound for N app hosts × W processes: max-in-flight × N × W, read back per process", () => {
  for (const n of [1, 2, 3, 4])
    for (const w of [1, 2, 3]) {
      const plan = labPlan({ protect: { maxInFlight: 4 }, workersPerHost: w }, n);
      const lb = plan.hosts.find((h) => h.name === plan.lbHost)!;
      const file = lb.files.find((f) => f.path === protectLimitPath(lb.paths));
      assert.ok(file !== undefined, `${n}×${w}: the limit file is written`);
      assert.equal(
        file.content,
        `# fk-protect max-in-flight-per-app=4 app-processes=${n * w}\nlimit_conn fk_protect ${4 * n * w};\n`,
      );
      assert.deepEqual(parseProtectLimit(file.content), { maxInFlightPerApp: 4 });
      const conf = lb.files.find((f) => f.path.endsWith('/nginx.conf'))!.content;
      assert.match(conf, /^ {4}include \/var\/lib\/flickr-killr\/nginx\/app-limit\.conf;$/m);
      assert.doesNotMatch(conf, /limit_conn fk_protect \d/, 'the value lives in the limit file only');
    }
  // `deploy hosts add` on 2 app hosts × 1 process → 3 servers: the bound rises with them.
  assert.equal(renderProtectLimit(4, 3).split('\n')[1], 'limit_conn fk_protect 12;');
  assert.equal(parseProtectLimit(''), undefined);
  assert.throws(() => renderProtectLimit(0, 2), /bad figures/);
  const unprotected = labPlan().hosts.find((h) => h.name === 'lb')!;
  assert.ok(!unprotected.files.some((f) => f.path.endsWith('app-limit.conf')));
});

test('inventory: release, port, artifact and supervisor state of each program file', () => {
  const inv = parseInventory(
    [
      '==> /var/lib/flickr-killr/supervisor/programs.d/app-1.conf',
      '[program:app-1]',
      'command=/usr/bin/node /srv/flickr-killr/releases/0123456789abcdef/dist/cli/main.js app-server --host 10.0.0.2 --port 9001',
      '==> /var/lib/flickr-killr/supervisor/programs.d/app-aaaaaaaaaaaa-9002.conf',
      '; fk-release=aaaaaaaaaaaa',
      '[program:app-aaaaaaaaaaaa-9002]',
      'command=/usr/bin/node /srv/flickr-killr/releases/fedcba9876543210/dist/cli/main.js app-server --port 9002',
      '==> supervisorctl status',
      'app-1                            RUNNING   pid 12, uptime 0:01:00',
      'app-aaaaaaaaaaaa-9002            FATAL     Exited too quickly',
      '',
    ].join('\n'),
  );
  assert.equal(inv.supervisorUp, true);
  assert.deepEqual(
    inv.programs.map((p) => [p.name, p.port, p.release, p.artifact, p.state, p.pid]),
    [
      ['app-1', 9001, undefined, '0123456789abcdef', 'RUNNING', 12],
      ['app-aaaaaaaaaaaa-9002', 9002, 'aaaaaaaaaaaa', 'fedcba9876543210', 'FATAL', undefined],
    ],
  );
});

test('state: current and previous move with each release; the builds of the last K stay', () => {
  const a = makeRelease('1111111111111111', config);
  const b = makeRelease('2222222222222222', { ...config, env: { X: '1' } });
  const s1 = withCurrent({ releases: [] }, a);
  const s2 = withCurrent(s1, b);
  assert.equal(s2.current, b.id);
  assert.equal(s2.previous, a.id);
  assert.equal(
    withCurrent(s2, a).previous,
    b.id,
    'a rollback makes the rolled-back release the previous one',
  );
  assert.deepEqual(keptArtifacts(s2, 3), ['2222222222222222', '1111111111111111']);
  assert.deepEqual(keptArtifacts(s2, 1), ['2222222222222222']);
});

test('state: --keep K counts back through every release that went live, not only current and previous', () => {
  const builds = ['1111111111111111', '2222222222222222', '3333333333333333', '4444444444444444'];
  let s: DeployState = { releases: [] };
  for (const b of builds) s = withCurrent(s, makeRelease(b, config));
  // A config-only release of the newest build counts as that build once.
  s = withCurrent(s, makeRelease(builds[3]!, { ...config, env: { Y: '1' } }));
  assert.deepEqual(keptArtifacts(s, 3), [builds[3], builds[2], builds[1]]);
  assert.deepEqual(keptArtifacts(s, 2), [builds[3], builds[2]]);
  // A rollback to the oldest moves it to the front of the history.
  s = withCurrent(s, s.releases[0]!);
  assert.deepEqual(keptArtifacts(s, 2), [builds[0], builds[3]]);
  // A state written before `live` existed still keeps its current release's build.
  const old: DeployState = { releases: s.releases, current: s.releases[1]!.id };
  assert.deepEqual(keptArtifacts(withCurrent(old, s.releases[2]!), 3), [builds[2], builds[1]]);
});

test('rollback target: the previous release by default, a prefix of an id, E_DEPLOY_NO_RELEASE otherwise', () => {
  const a = makeRelease('1111111111111111', config);
  const b = makeRelease('2222222222222222', { ...config, env: { X: '1' } });
  const s = withCurrent(withCurrent({ releases: [] }, a), b);
  assert.equal(rollbackTarget(s, undefined).id, a.id);
  assert.equal(rollbackTarget(s, b.id.slice(0, 6)).id, b.id);
  assert.throws(() => rollbackTarget(s, 'ffffffffffff'), /E_DEPLOY_NO_RELEASE|no release ffffffffffff/);
  assert.throws(() => rollbackTarget({ releases: [] }, undefined), /no previous release/);
});
