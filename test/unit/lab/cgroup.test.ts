import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import {
  cgroupDirs,
  createCgroupOps,
  detectCgroupLayout,
  parseFlatKeyed,
  procsFiles,
  sampleCgroup,
} from '../../../src/lab/cgroup.js';
import {
  applyCgroupOps,
  existingHostCgroups,
  killCgroup,
  labsWithCgroups,
  readText,
  removeCgroup,
  removeEmptyParents,
} from '../../../src/lab/cgroup-fs.js';

/** A fake cgroup root: the files the kernel would show, as plain files in a temp dir. */
function fakeRoot(t: { after: (f: () => void) => void }, version: 1 | 2 | 'hybrid' | 'comounted' | 'none') {
  const root = mkdtempSync(join(tmpdir(), 'fk-cgroup-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const touch = (p: string, text = '') => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  if (version === 2) touch('cgroup.controllers', 'cpuset cpu io memory pids\n');
  if (version === 1 || version === 'hybrid' || version === 'comounted') {
    touch('cpu/cpu.cfs_quota_us', '-1\n');
    touch('memory/memory.limit_in_bytes', '9223372036854771712\n');
    if (version !== 'comounted') touch('cpuacct/cpuacct.usage', '0\n');
    else touch('cpu/cpuacct.usage', '0\n');
  }
  if (version === 'hybrid') touch('unified/cgroup.procs', '');
  return root;
}

test('detection: v2 (unified root), v1 (controller mounts), hybrid is v1, co-mounted cpu,cpuacct', (t) => {
  const v2 = fakeRoot(t, 2);
  assert.deepEqual(detectCgroupLayout(v2), { version: 2, root: v2 });
  const v1 = fakeRoot(t, 1);
  assert.deepEqual(detectCgroupLayout(v1), {
    version: 1,
    cpu: join(v1, 'cpu'),
    cpuacct: join(v1, 'cpuacct'),
    memory: join(v1, 'memory'),
  });
  const hybrid = fakeRoot(t, 'hybrid');
  assert.equal(detectCgroupLayout(hybrid).version, 1);
  const co = fakeRoot(t, 'comounted');
  const layout = detectCgroupLayout(co);
  assert.ok(layout.version === 1 && layout.cpuacct === join(co, 'cpu'));
  assert.deepEqual(cgroupDirs(layout, 'x'), [join(co, 'cpu', 'x'), join(co, 'memory', 'x')]);
  assert.throws(
    () => detectCgroupLayout(fakeRoot(t, 'none')),
    (e) => isFkError(e) && e.code === 'E_LAB_CGROUP',
  );
});

test('v2 without the memory controller is refused by name', (t) => {
  const root = fakeRoot(t, 2);
  writeFileSync(join(root, 'cgroup.controllers'), 'cpu pids\n');
  assert.throws(() => detectCgroupLayout(root), /lacks the cpu or memory controller/);
});

test('v1 ops: a dir per controller, quota of the CFS period, memory limit', () => {
  const layout = { version: 1 as const, cpu: '/cg/cpu', cpuacct: '/cg/cpuacct', memory: '/cg/memory' };
  assert.deepEqual(
    createCgroupOps(layout, 'flickr-killr-lab/t1/app1', { cpu: 0.25, memoryBytes: 268435456 }),
    [
      { op: 'mkdir', path: '/cg/cpu/flickr-killr-lab/t1/app1' },
      { op: 'mkdir', path: '/cg/cpuacct/flickr-killr-lab/t1/app1' },
      { op: 'mkdir', path: '/cg/memory/flickr-killr-lab/t1/app1' },
      { op: 'write', path: '/cg/cpu/flickr-killr-lab/t1/app1/cpu.cfs_period_us', value: '100000' },
      { op: 'write', path: '/cg/cpu/flickr-killr-lab/t1/app1/cpu.cfs_quota_us', value: '25000' },
      { op: 'write', path: '/cg/memory/flickr-killr-lab/t1/app1/memory.limit_in_bytes', value: '268435456' },
    ],
  );
  assert.deepEqual(procsFiles(layout, 'a/b'), [
    '/cg/cpu/a/b/cgroup.procs',
    '/cg/cpuacct/a/b/cgroup.procs',
    '/cg/memory/a/b/cgroup.procs',
  ]);
});

test('v2 ops: controllers enabled top-down in subtree_control, then cpu.max and memory.max', () => {
  const layout = { version: 2 as const, root: '/cg' };
  assert.deepEqual(createCgroupOps(layout, 'flickr-killr-lab/t1/db', { cpu: 0.5, memoryBytes: 536870912 }), [
    { op: 'write', path: '/cg/cgroup.subtree_control', value: '+cpu +memory' },
    { op: 'mkdir', path: '/cg/flickr-killr-lab' },
    { op: 'write', path: '/cg/flickr-killr-lab/cgroup.subtree_control', value: '+cpu +memory' },
    { op: 'mkdir', path: '/cg/flickr-killr-lab/t1' },
    { op: 'write', path: '/cg/flickr-killr-lab/t1/cgroup.subtree_control', value: '+cpu +memory' },
    { op: 'mkdir', path: '/cg/flickr-killr-lab/t1/db' },
    { op: 'write', path: '/cg/flickr-killr-lab/t1/db/cpu.max', value: '50000 100000' },
    { op: 'write', path: '/cg/flickr-killr-lab/t1/db/memory.max', value: '536870912' },
  ]);
  assert.deepEqual(procsFiles(layout, 'x'), ['/cg/x/cgroup.procs']);
  // The kernel refuses quotas under 1 ms: tiny cpu values are raised to it.
  const tiny = createCgroupOps(layout, 'a', { cpu: 0.001, memoryBytes: 1 });
  assert.deepEqual(
    tiny.find((o) => o.path.endsWith('cpu.max')),
    { op: 'write', path: '/cg/a/cpu.max', value: '1000 100000' },
  );
});

test('ops applied to a fake v2 root: the files hold the limits; found by name; removed again', async (t) => {
  const root = fakeRoot(t, 2);
  const layout = detectCgroupLayout(root);
  applyCgroupOps(createCgroupOps(layout, 'flickr-killr-lab/t1/app1', { cpu: 0.25, memoryBytes: 1 << 28 }));
  applyCgroupOps(createCgroupOps(layout, 'flickr-killr-lab/t1/db', { cpu: 0.5, memoryBytes: 1 << 29 }));
  const dir = join(root, 'flickr-killr-lab/t1/app1');
  assert.equal(readFileSync(join(dir, 'cpu.max'), 'utf8'), '25000 100000');
  assert.equal(readFileSync(join(dir, 'memory.max'), 'utf8'), String(1 << 28));
  assert.equal(readFileSync(join(root, 'flickr-killr-lab/cgroup.subtree_control'), 'utf8'), '+cpu +memory');
  assert.deepEqual(existingHostCgroups(layout, 't1').sort(), [
    'flickr-killr-lab/t1/app1',
    'flickr-killr-lab/t1/db',
  ]);
  assert.deepEqual(labsWithCgroups(layout), ['t1']);
  assert.deepEqual(existingHostCgroups(layout, 't2'), []);

  // A fake kernel: cgroup.procs lists 41 and 42 until they are "killed".
  writeFileSync(join(dir, 'cgroup.procs'), '41\n42\n');
  const killed: number[] = [];
  const pids = await killCgroup(layout, 'flickr-killr-lab/t1/app1', (pid) => {
    killed.push(pid);
    writeFileSync(join(dir, 'cgroup.procs'), '');
  });
  assert.deepEqual(pids.sort(), [41, 42]);
  assert.deepEqual(killed.sort(), [41, 42]);
  // Linux >= 5.14 has cgroup.kill: written too (one write kills the whole tree, forks included).
  const db = join(root, 'flickr-killr-lab/t1/db');
  writeFileSync(join(db, 'cgroup.kill'), '');
  writeFileSync(join(db, 'cgroup.procs'), '51\n');
  await killCgroup(layout, 'flickr-killr-lab/t1/db', () => writeFileSync(join(db, 'cgroup.procs'), ''));
  assert.equal(readFileSync(join(db, 'cgroup.kill'), 'utf8'), '1');
  rmSync(join(db, 'cgroup.kill'));
  // v2 with cgroup.kill present (Linux ≥ 5.14): it is written too. Our fake has it only if touched.
  for (const rel of existingHostCgroups(layout, 't1')) {
    for (const f of ['cpu.max', 'memory.max', 'cgroup.procs', 'cgroup.subtree_control'])
      rmSync(join(root, rel, f), { force: true });
    await removeCgroup(layout, rel);
  }
  for (const f of ['flickr-killr-lab/t1', 'flickr-killr-lab'])
    rmSync(join(root, f, 'cgroup.subtree_control'));
  removeEmptyParents(layout, 't1');
  assert.deepEqual(labsWithCgroups(layout), []);
});

test('ops applied to a fake v1 root, and a failing write names the file', (t) => {
  const root = fakeRoot(t, 1);
  const layout = detectCgroupLayout(root);
  applyCgroupOps(createCgroupOps(layout, 'flickr-killr-lab/t1/lb', { cpu: 0.5, memoryBytes: 1 << 27 }));
  assert.equal(readFileSync(join(root, 'cpu/flickr-killr-lab/t1/lb/cpu.cfs_quota_us'), 'utf8'), '50000');
  assert.equal(
    readFileSync(join(root, 'memory/flickr-killr-lab/t1/lb/memory.limit_in_bytes'), 'utf8'),
    String(1 << 27),
  );
  assert.throws(
    () => applyCgroupOps([{ op: 'write', path: join(root, 'nope/x/cpu.max'), value: '1' }]),
    (e) => isFkError(e) && e.code === 'E_LAB_STEP_FAILED' && e.message.includes('nope/x/cpu.max'),
  );
});

test('samples: v1 ns counters and v2 µs counters read into one shape', (t) => {
  const v1root = fakeRoot(t, 1);
  const v1 = detectCgroupLayout(v1root);
  const rel = 'flickr-killr-lab/t1/app1';
  const put = (p: string, text: string) => {
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  };
  put(join(v1root, 'cpu', rel, 'cpu.stat'), 'nr_periods 10\nnr_throttled 4\nthrottled_time 7000000\n');
  put(join(v1root, 'cpuacct', rel, 'cpuacct.usage'), '250000000\n');
  put(join(v1root, 'memory', rel, 'memory.usage_in_bytes'), '1048576\n');
  put(join(v1root, 'cpu', rel, 'cgroup.procs'), '7\n8\n');
  put(join(v1root, 'cpuacct', rel, 'cgroup.procs'), '7\n8\n');
  put(join(v1root, 'memory', rel, 'cgroup.procs'), '7\n8\n9\n');
  assert.deepEqual(sampleCgroup(v1, rel, readText), {
    usageUs: 250000,
    periods: 10,
    throttledPeriods: 4,
    throttledUs: 7000,
    memoryBytes: 1048576,
    pids: [7, 8, 9],
  });
  const v2root = fakeRoot(t, 2);
  const v2 = detectCgroupLayout(v2root);
  put(
    join(v2root, rel, 'cpu.stat'),
    'usage_usec 5000\nuser_usec 4000\nsystem_usec 1000\nnr_periods 3\nnr_throttled 1\nthrottled_usec 900\n',
  );
  put(join(v2root, rel, 'memory.current'), '4096\n');
  put(join(v2root, rel, 'cgroup.procs'), '11\n');
  assert.deepEqual(sampleCgroup(v2, rel, readText), {
    usageUs: 5000,
    periods: 3,
    throttledPeriods: 1,
    throttledUs: 900,
    memoryBytes: 4096,
    pids: [11],
  });
  assert.deepEqual(
    [...parseFlatKeyed('a 1\nb x\n\nc 3')],
    [
      ['a', 1],
      ['c', 3],
    ],
  );
});
