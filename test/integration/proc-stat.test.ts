import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { ProcSampler } from '../../src/ladder/proc-sampler.js';
import {
  childPids,
  clockTicksPerSecond,
  cmdlineOf,
  readProcesses,
  threadCpuTicks,
} from '../../src/proc/stat.js';

test('childPids finds a child we started, and readProcesses sees us with our parent', async (t) => {
  const child = spawn('sleep', ['10'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await once(child, 'spawn');
  assert.ok(childPids(process.pid).includes(child.pid!), 'the sleep is our child');
  const self = readProcesses().find((p) => p.pid === process.pid);
  assert.equal(self?.ppid, process.ppid);
  assert.equal(childPids(child.pid!).length, 0, 'sleep has no children');
  assert.equal(cmdlineOf(child.pid!), 'sleep 10');
  assert.equal(cmdlineOf(2 ** 22 + 1), '', 'a pid that does not exist has no command line');
});

test('clock ticks: USER_HZ asked once, and a busy thread accrues ticks', () => {
  const hz = clockTicksPerSecond();
  assert.ok(Number.isInteger(hz) && hz > 0);
  assert.equal(clockTicksPerSecond(), hz, 'cached');
  const t0 = threadCpuTicks();
  assert.ok(t0 !== undefined, '/proc/thread-self/stat is readable on Linux');
  const until = Date.now() + 120;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  // 120 ms of busy loop is ≥ 6 ticks at 100 Hz; allow for scheduling and tick granularity.
  assert.ok(threadCpuTicks()! - t0! >= Math.floor(hz * 0.05), 'ticks advanced');
});

test('ProcSampler on the real /proc sees a busy child of a root, by ppid', async () => {
  // A shell (the root) whose child burns CPU until killed: the child is attributed to the root.
  const child = spawn('sh', ['-c', '"$0" -e "for(;;){}" & wait', process.execPath], {
    stdio: 'ignore',
    detached: true,
  });
  try {
    const sampler = new ProcSampler(() => [{ role: 'shell', pid: child.pid! }], {
      selfPid: process.pid,
      ticksPerS: 100,
      intervalMs: 50,
    });
    sampler.start();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 600));
    sampler.stop();
    const c = sampler.window(t0, Date.now())!;
    const kids = c.roles.find((r) => r.role === 'shell/children');
    assert.ok(kids && kids.cpuS > 0, JSON.stringify(c.roles));
    assert.ok(kids.pids >= 1);
  } finally {
    process.kill(-child.pid!, 'SIGKILL');
  }
});
