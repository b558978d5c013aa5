import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { attribute, cpuBetween, ProcSampler, type Snapshot } from '../../../src/ladder/proc-sampler.js';
import type { ProcStat } from '../../../src/proc/stat.js';
import { parseSystemStat } from '../../../src/proc/system-stat.js';
import { SYSTEM } from '../../helpers/proc-fixtures.js';

const p = (
  pid: number,
  comm: string,
  ppid: number,
  pgrp: number,
  u: number,
  s = 0,
  cu = 0,
  cs = 0,
): ProcStat => ({
  pid,
  comm,
  state: 'S',
  ppid,
  pgrp,
  utime: u,
  stime: s,
  cutime: cu,
  cstime: cs,
});
const ROOTS = [
  { role: 'lighttpd', pid: 100 },
  { role: 'nginx', pid: 200 },
];

test("attribute: workers with the root's name count as the role, other descendants and reaped children as /children", () => {
  const a = attribute(
    [
      p(50, 'node', 1, 50, 500, 100), // the ladder itself (the load generator)
      p(100, 'lighttpd', 50, 100, 10, 5, 300, 40),
      p(101, 'node', 100, 100, 20, 2), // a CGI script caught alive
      p(200, 'nginx', 50, 200, 1, 1),
      p(201, 'nginx', 200, 200, 70, 30),
      p(300, 'sshd', 1, 300, 999),
      p(400, 'sh', 999, 200, 4), // same process group as nginx, parent unknown
    ],
    ROOTS,
    50,
  );
  assert.equal(a.selfTicks, 600);
  assert.equal(a.groups.get('lighttpd'), 15);
  assert.equal(a.groups.get('lighttpd/children'), 22 + 340);
  assert.equal(a.groups.get('nginx'), 102);
  assert.equal(a.groups.get('nginx/children'), 4);
  assert.equal(
    [...a.groups.keys()].some((g) => g.includes('sshd')),
    false,
  );
  assert.deepEqual([...a.pids.get('nginx')!].sort(), [200, 201]);
});

function snap(t: number, procs: ProcStat[], system: string): Snapshot {
  return { t, ...attribute(procs, ROOTS, 50), system: parseSystemStat(system) };
}

test("cpuBetween: a child seen alive then reaped is counted once, through the parent's cutime", () => {
  const sys0 = SYSTEM;
  // 2 s later: 400 ticks busy of 400 total (both cores full); 30 more forks.
  const sys1 = SYSTEM.replace('cpu  9490', 'cpu  9890')
    .replace('85781', '85781')
    .replace('cpu0 3042', 'cpu0 3242')
    .replace('cpu1 6448', 'cpu1 6648')
    .replace('processes 11300', 'processes 11330');
  const a = snap(
    0,
    [p(50, 'node', 1, 50, 100), p(100, 'lighttpd', 50, 100, 10, 0, 300), p(101, 'node', 100, 100, 20)],
    sys0,
  );
  // 101 (20 ticks when seen, 50 in all) was reaped: lighttpd's cutime grew by 50 + 90 for others.
  const b = snap(2000, [p(50, 'node', 1, 50, 160), p(100, 'lighttpd', 50, 100, 14, 0, 440)], sys1);
  const c = cpuBetween(a, b, 100);
  assert.equal(c.windowS, 2);
  const kids = c.roles.find((r) => r.role === 'lighttpd/children')!;
  assert.ok(Math.abs(kids.cpuS - 1.2) < 1e-9, `children ${kids.cpuS}`); // (440 - 320) ticks
  assert.ok(Math.abs(c.roles.find((r) => r.role === 'lighttpd')!.cpuS - 0.04) < 1e-9);
  assert.ok(Math.abs(c.generatorCores - 0.3) < 1e-9);
  assert.equal(c.cores, 2);
  assert.ok(Math.abs(c.machineBusyCores - 2) < 1e-9);
  assert.deepEqual(c.perCoreBusy, [1, 1]);
  assert.equal(c.forks, 30);
  // 2 cores busy - 0.62 stage - 0.3 generator
  assert.ok(Math.abs(c.otherCores - (2 - 0.62 - 0.3)) < 1e-9);
});

test('ProcSampler reads a /proc tree (fixture directory)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-proc-'));
  try {
    const write = (pid: number, line: string) => {
      mkdirSync(join(dir, String(pid)));
      writeFileSync(join(dir, String(pid), 'stat'), `${line}\n`);
    };
    write(50, '50 (node) S 1 50 50 0 -1 0 0 0 0 0 100 0 0 0 20 0 1 0 1 1 1');
    write(100, '100 (lighttpd) S 50 100 50 0 -1 0 0 0 0 0 10 0 300 0 20 0 1 0 1 1 1');
    writeFileSync(join(dir, 'stat'), SYSTEM);
    mkdirSync(join(dir, 'self'));
    const sampler = new ProcSampler(() => ROOTS, { selfPid: 50, ticksPerS: 100, procDir: dir });
    const s = sampler.sample();
    assert.equal(s.groups.get('lighttpd'), 10);
    assert.equal(s.groups.get('lighttpd/children'), 300);
    assert.equal(s.selfTicks, 100);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without /proc the sampler gives no window instead of failing the run', () => {
  const sampler = new ProcSampler(() => ROOTS, { selfPid: 50, ticksPerS: 100, procDir: '/nonexistent-proc' });
  sampler.start();
  sampler.stop();
  assert.equal(sampler.window(0, Date.now()), undefined);
});
