import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Ajv } from 'ajv';
import { runCli } from '../../src/cli/run.js';
import { hostsForLab } from '../../src/remote/hosts.js';
import type { CapacityReport } from '../../src/report/capacity-types.js';
import { fakeIo } from '../helpers/fake-io.js';
import { prerequisites } from './fleet-lab.js';

// `capacity --hosts FILE`, the path for real machines (CPU from each host's /proc/stat over ssh),
// run for real against a lab's hosts written as an operator's hosts file: addresses, an ssh key,
// no lab. The operator's side of trust is theirs: the hosts' keys go into ~/.ssh/known_hosts (as
// `ssh-keyscan` would put them), and exactly those lines are removed afterwards. In a network
// namespace /proc/stat is the whole machine's, so every host reads the same kernel: the answer
// must say so. Bounded: ~1-2 minutes here (lab up, 1 fleet start grown to 2 app hosts by
// `deploy hosts add`, 4 probes of 1 s per size).
const name =
  process.env.CAPACITY_HOSTS_LAB ??
  `h${Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0')}`;
const dir = mkdtempSync(join(tmpdir(), 'fk-capacity-hosts-'));
const knownHosts = join(homedir(), '.ssh', 'known_hosts');
let added: string[] = [];
after(async () => {
  if (added.length > 0 && existsSync(knownHosts)) {
    const mine = new Set(added);
    const kept = readFileSync(knownHosts, 'utf8')
      .split('\n')
      .filter((l) => !mine.has(l));
    writeFileSync(knownHosts, kept.join('\n'));
  }
  await runCli(['lab', 'down', '--name', name], fakeIo());
  rmSync(dir, { recursive: true, force: true });
});

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/capacity.schema.json', import.meta.url), 'utf8'),
);

test('capacity --hosts FILE: lab hosts as real machines, CPU from /proc/stat over ssh, one kernel named', {
  timeout: 400_000,
}, async (t) => {
  if (!prerequisites(t)) return;
  const up = fakeIo();
  assert.equal(await runCli(['lab', 'up', '--app-hosts', '2', '--name', name], up), 0, up.err.join(''));
  const lab = hostsForLab(name);
  // What an operator's file says of a machine: its address and how to log in. No cpu: each host's
  // size is then the cores it reports (nproc), as on a real machine.
  const file = join(dir, 'hosts.yaml');
  writeFileSync(
    file,
    `hosts:\n${lab
      .map(
        (h) =>
          `  - name: ${h.name}\n    roles: [${h.roles.join(', ')}]\n    address: ${h.address}\n` +
          `    ssh: {user: root, key: ${h.identityFile}, port: ${h.port}}\n`,
      )
      .join('')}`,
  );
  mkdirSync(join(homedir(), '.ssh'), { recursive: true, mode: 0o700 });
  added = readFileSync(lab[0]!.knownHostsFile!, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const before = existsSync(knownHosts) ? readFileSync(knownHosts, 'utf8') : '';
  writeFileSync(
    knownHosts,
    `${before}${before === '' || before.endsWith('\n') ? '' : '\n'}${added.join('\n')}\n`,
    {
      mode: 0o600,
    },
  );

  const out = join(dir, 'out');
  const io = fakeIo();
  const t0 = performance.now();
  const code = await runCli(
    [
      'capacity',
      '--hosts',
      file,
      '--users',
      '500',
      '--sizes',
      '1,2',
      '--probe',
      '1s',
      '--warmup',
      '0.5s',
      '--max-probes',
      '4',
      '--tolerance',
      '20%',
      '--no-overload',
      '--out',
      out,
    ],
    io,
  );
  const err = io.err.join('');
  t.diagnostic(`capacity --hosts in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  assert.equal(code, 0, err);
  t.diagnostic(
    io.out
      .join('')
      .split('\n')
      .filter((l) => /^\d+ +\d|share one kernel|First shared/.test(l.trim()))
      .join('\n'),
  );
  const report = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as CapacityReport;
  const validate = new Ajv({ allErrors: true }).compile(schema);
  assert.ok(validate(report), JSON.stringify(validate.errors));
  assert.deepEqual([report.target.kind, report.target.name], ['fleet', 'hosts.yaml']);
  const cores = cpus().length;
  for (const p of report.scaleOut) {
    assert.ok(p.search.sustainableRate > 0, `size ${p.size} sustained something`);
    // Every used host measured from its /proc/stat, against the cores it reports, one kernel.
    const apps = Array.from({ length: p.size }, (_, i) => `app${i + 1}`);
    assert.deepEqual(p.parts.map((x) => x.name).sort(), [...apps, 'cache', 'db', 'lb', 'sessions'].sort());
    assert.ok(
      p.parts.every((x) => x.budgetCores === cores),
      p.parts.map((x) => x.budgetCores).join(','),
    );
    assert.equal(new Set(p.parts.map((x) => x.kernel)).size, 1);
    assert.match(p.parts[0]!.kernel ?? '', /^btime \d+$/);
  }
  const line = report.answer.lines.find((l) => / share one kernel /.test(l));
  assert.ok(line !== undefined, report.answer.lines.join('\n'));
  t.diagnostic(
    `sustainable: ${report.scaleOut.map((p) => `${p.size} host(s) ${p.search.sustainableRate}/s`).join(', ')}; ` +
      `lb ${report.scaleOut[0]!.parts.find((x) => x.name === 'lb')?.usedCores} of ${cores} cores at size 1`,
  );
});
