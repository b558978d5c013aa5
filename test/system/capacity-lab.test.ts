import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Ajv } from 'ajv';
import { runCli } from '../../src/cli/run.js';
import { isFkError } from '../../src/errors.js';
import { readRunningLab } from '../../src/remote/hosts.js';
import type { CapacityReport } from '../../src/report/capacity-types.js';
import { fakeIo } from '../helpers/fake-io.js';
import { prerequisites } from './fleet-lab.js';

// `capacity --lab NAME` end to end with no lab NAME up: it makes a lab of its own (2 app hosts),
// starts stage fleet at 1 app host and grows it to 2 with the deploy tool (one deploy, then
// `deploy hosts add app2`), short probes, the overload curve at 1 (`hosts remove app2`) and with
// --protect (a restart), writes the report, and removes the lab. Bounded: ~3 minutes here.
const name = `c${Math.floor(Math.random() * 36 ** 6)
  .toString(36)
  .padStart(6, '0')}`;
const dir = mkdtempSync(join(tmpdir(), 'fk-capacity-lab-'));
after(async () => {
  // Normally removed by the command itself; this is for a test that failed half-way.
  await runCli(['lab', 'down', '--name', name], fakeIo());
  rmSync(dir, { recursive: true, force: true });
});

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/capacity.schema.json', import.meta.url), 'utf8'),
);

test('capacity --lab: a lab of its own, 1 app host grown to 2 by hosts add, CPU per host, --protect through the fleet, lab removed', {
  timeout: 400_000,
}, async (t) => {
  if (!prerequisites(t)) return;
  const out = join(dir, 'out');
  const io = fakeIo();
  const t0 = performance.now();
  const code = await runCli(
    [
      'capacity',
      '--lab',
      name,
      '--app-hosts',
      '2',
      '--users',
      '500',
      '--probe',
      '1s',
      '--warmup',
      '0.5s',
      '--max-probes',
      '4',
      '--tolerance',
      '20%',
      '--protect',
      '--out',
      out,
    ],
    io,
  );
  const err = io.err.join('');
  t.diagnostic(`capacity --lab in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  assert.equal(code, 0, err);
  assert.match(err, new RegExp(`no lab ${name} up: making one of its own with 2 app hosts`));
  assert.match(err, new RegExp(`removing lab ${name}`));
  // Size 2 is size 1's fleet grown the operator's way; the unprotected overload curve at size 1
  // shrinks it the same way; only --protect (written by the fleet's start) starts it again.
  assert.match(err, /capacity: deploy of the fleet's build/);
  assert.match(err, /deploy: release \w+ .* to app1, 1 at a time/);
  assert.match(err, /capacity: size 2: deploy hosts add app2\n/);
  assert.match(err, /capacity: app2 in the balancer after \d+\.\d s/);
  assert.match(err, /capacity: size 1: deploy hosts remove app2\n/);
  assert.equal(
    (err.match(/fleet: \d+ hosts probed/g) ?? []).length,
    2,
    'two fleet starts: size 1, then size 1 with --protect',
  );
  assert.throws(
    () => readRunningLab(name),
    (e) => isFkError(e) && e.code === 'E_LAB_NOT_FOUND',
  );

  const report = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as CapacityReport;
  const validate = new Ajv({ allErrors: true }).compile(schema);
  assert.ok(validate(report), JSON.stringify(validate.errors));
  assert.deepEqual(
    [report.target.kind, report.target.sizeUnit, report.target.maxSize, report.target.users],
    ['fleet', 'app hosts', 2, 500],
  );
  assert.deepEqual(
    report.scaleOut.map((p) => p.size),
    [1, 2],
  );
  for (const p of report.scaleOut) {
    assert.ok(p.search.sustainableRate > 0, `size ${p.size} sustained something`);
    // Every host used at that size, against its quota, from its cgroup.
    const hosts = p.parts
      .filter((x) => x.role !== 'other')
      .map((x) => `${x.name}:${x.role}:${x.budgetCores}`)
      .sort();
    const apps = Array.from({ length: p.size }, (_, i) => `app${i + 1}:app:0.25`);
    assert.deepEqual(
      hosts,
      [...apps, 'cache:cache:0.5', 'db:db:0.5', 'lb:lb:0.75', 'sessions:sessions:0.1'].sort(),
    );
    // And the machine under the lab: what other processes used, against its cores; not a host.
    const other = p.parts.filter((x) => x.role === 'other');
    assert.deepEqual(
      other.map((x) => [x.name, x.shared, x.budgetCores]),
      [['other processes', false, cpus().length]],
    );
    assert.ok(other[0]!.usedCores >= 0);
    assert.ok(!p.cpu?.hosts.some((h) => h.name === 'other processes'), 'not in cpu.hosts');
    const app1 = p.parts.find((x) => x.name === 'app1')!;
    assert.ok(app1.usedCores > 0.05, `app1 worked: ${app1.usedCores} cores`);
  }
  t.diagnostic(
    `sustainable: ${report.scaleOut.map((p) => `${p.size} host(s) ${p.search.sustainableRate}/s`).join(', ')}; efficiency ${report.scaleOut[1]!.efficiency}`,
  );
  // Both overload curves, the protected one with the lb's limit over every app process.
  assert.deepEqual(
    report.overload.map((c) => c.protect),
    [false, true],
  );
  const protectedRun = join(out, 'fleet', '02-fleet-1-protect');
  const lbDir = [1, 2, 3, 4]
    .map((n) => join(out, 'fleet', `0${n}-fleet-1-protect`, 'lb'))
    .find((d) => existsSync(join(d, 'nginx.conf')));
  assert.ok(lbDir !== undefined, `a protected lb conf under ${protectedRun}`);
  // The lb's limit lives in its own included file, rewritten with the upstream on every switch
  // (deploy/lb-upstream.ts): 4 in flight × 1 app process.
  assert.match(readFileSync(join(lbDir, 'nginx.conf'), 'utf8'), /include \S*app-limit\.conf;/);
  assert.match(readFileSync(join(lbDir, 'app-limit.conf'), 'utf8'), /limit_conn fk_protect 4;/);
  const top = report.overload[1]!.steps.at(-1)!;
  t.diagnostic(
    `protected at ${top.multiplier}×: ${top.status503} fast 503s, goodput ${top.goodput}/s of ${top.offeredRate}/s offered`,
  );
  assert.ok(existsSync(join(out, 'index.html')));
});
