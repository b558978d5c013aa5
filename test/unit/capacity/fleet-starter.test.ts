import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  fleetStarter,
  labFleetHosts,
  readingParts,
  readingsCpuMeter,
} from '../../../src/capacity/fleet-starter.js';
import { fleetTarget } from '../../../src/capacity/fleet-target.js';
import { procStatBootTime, procStatBusyUs } from '../../../src/stages/fleet/host-cpu.js';
import type { RunningFleet } from '../../../src/stages/fleet/start.js';
import type { HostCpuReading } from '../../../src/stages/stage.js';
import { fixedLab } from '../lab/lab-fixture.js';
import { labHosts, realHosts } from '../stages/fleet-fixture.js';

// The capacity command's FleetStarter on fakes: which app hosts each size starts, --protect
// passed on, CPU per host from a lab's cgroups or from recorded /proc/stat text.

const proc = (name: string) => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url), 'utf8');

function fakeFleet(url: string, hosts: string[], stopped: string[]): RunningFleet {
  return {
    url,
    plan: {
      hosts: hosts.map((name) => ({ name })),
      databaseUrl: 'postgres://fk@10.201.7.16:5432/flickr_killr',
    },
    hostCpu: async () => [],
    stop: async () => {
      stopped.push(url);
    },
  } as unknown as RunningFleet;
}

test('each size restarts the fleet on the first N app hosts, with --protect, in its own run folder', async () => {
  const hosts = labHosts(3);
  const calls: string[] = [];
  const stopped: string[] = [];
  const starter = fleetStarter({
    hosts,
    runDir: '/run/cap',
    users: 500,
    dataFacts: async () => ({ users: 500 }),
    labState: () => fixedLab('t1', 3),
    startFleet: async (o) => {
      calls.push(`${o.appHosts} ${o.protect?.maxInFlight ?? '-'} ${o.runDir} ${o.users}`);
      const apps = hosts.filter((h) => h.roles.includes('app')).slice(0, o.appHosts);
      const used = hosts.filter((h) => !h.roles.includes('app') || apps.includes(h)).map((h) => h.name);
      return fakeFleet(`http://lb/${o.appHosts}`, used, stopped);
    },
  });
  assert.equal(starter.maxSize, 3);
  const target = fleetTarget({ name: 'lab t1', users: 0, starter });
  const one = await target.start(1, {});
  const two = await target.start(2, { protect: { maxInFlight: 4 } });
  assert.deepEqual(calls, ['1 - /run/cap/01-fleet-1 500', '2 4 /run/cap/02-fleet-2-protect 500']);
  assert.equal(target.info.users, 500);
  await one.stop();
  await two.stop();
  assert.deepEqual(stopped, ['http://lb/1', 'http://lb/2']);
});

test("a lab's used hosts are its cgroups; real machines are not", () => {
  const hosts = labHosts(3);
  const used = new Set(['lb', 'app1', 'cache', 'sessions', 'db']);
  const lab = labFleetHosts(hosts, used, () => fixedLab('t1', 3));
  assert.deepEqual(
    lab?.hosts.map((h) => `${h.name} ${h.cpu} ${h.cgroup}`),
    [
      'lb 0.75 flickr-killr-lab/t1/lb',
      'app1 0.25 flickr-killr-lab/t1/app1',
      'cache 0.5 flickr-killr-lab/t1/cache',
      'sessions 0.1 flickr-killr-lab/t1/sessions',
      'db 0.5 flickr-killr-lab/t1/db',
    ],
  );
  assert.equal(
    labFleetHosts(realHosts(), new Set(realHosts().map((h) => h.name)), () => fixedLab('t1', 3)),
    undefined,
  );
});

test('a real machine: busy CPU from recorded /proc/stat, as a share of its cores', () => {
  // Recorded on this 2-core machine 1 s apart: busy = user+nice+system+irq+softirq+steal.
  const a = procStatBusyUs(proc('stat-a.txt'));
  const b = procStatBusyUs(proc('stat-b.txt'));
  assert.equal(a, (60550 + 0 + 6893 + 0 + 289 + 1239) * 10_000);
  assert.equal(b - a, 20_000);
  const reading = (host: string, roles: string[], usageUs: number, atMs: number): HostCpuReading => ({
    host,
    roles,
    quota: 2,
    usageUs,
    throttledUs: 0,
    atMs,
  });
  const parts = readingParts(
    [reading('web1', ['lb'], a, 0), reading('app1', ['app'], 0, 0)],
    [reading('web1', ['lb'], b, 1000), reading('app1', ['app'], 1_500_000, 1000)],
  );
  assert.deepEqual(parts, [
    { name: 'web1', role: 'lb', shared: true, usedCores: 0.02, budgetCores: 2, roles: ['lb'] },
    { name: 'app1', role: 'app', shared: false, usedCores: 1.5, budgetCores: 2, roles: ['app'] },
  ]);
});

test("hosts that read one kernel's /proc/stat (a lab's namespaces as --hosts) are marked with it", () => {
  // Both recorded files are this machine's: the same btime, as every netns of one box reads.
  assert.equal(procStatBootTime(proc('stat-a.txt')), 1796229007);
  assert.equal(procStatBootTime(proc('stat-b.txt')), 1796229007);
  assert.equal(procStatBootTime('cpu  1 2 3 4\n'), undefined);
  const at = (host: string, usageUs: number, atMs: number): HostCpuReading => ({
    host,
    roles: [host === 'lb' ? 'lb' : 'app'],
    quota: 2,
    usageUs,
    throttledUs: 0,
    atMs,
    bootTimeS: 1796229007,
  });
  const parts = readingParts(
    [at('lb', 0, 0), at('app1', 0, 0)],
    [at('lb', 1_800_000, 1000), at('app1', 1_800_000, 1000)],
  );
  assert.deepEqual(
    parts.map((p) => [p.name, p.usedCores, p.kernel]),
    [
      ['lb', 1.8, 'btime 1796229007'],
      ['app1', 1.8, 'btime 1796229007'],
    ],
  );
});

test('the ssh meter samples until stopped and answers from the samples nearest the window', async () => {
  let wall = 10_000;
  let usage = 0;
  const meter = readingsCpuMeter({
    read: async () => {
      usage += 500_000;
      return [{ host: 'db', roles: ['db'], quota: 1, usageUs: usage, throttledUs: 0, atMs: wall }];
    },
    intervalMs: 5,
    now: () => {
      wall += 1000;
      return wall;
    },
  });
  await new Promise((r) => setTimeout(r, 60));
  meter.stop();
  const r = meter.window(11_000, 13_000);
  assert.deepEqual(r?.parts, [
    { name: 'db', role: 'db', shared: true, usedCores: 0.5, budgetCores: 1, roles: ['db'] },
  ]);
  assert.equal(meter.window(11_000, 11_000), undefined);
});

test('the ssh meter: a window about one interval long, one sample nearest both ends, reads the interval before it', async () => {
  // Recorded: `capacity --hosts` with 1 s probes, sampled once a second, had no CPU at all.
  let n = 0;
  let wall = 10_000;
  const meter = readingsCpuMeter({
    read: async () => {
      n += 1;
      if (n > 3) throw new Error('host cut off');
      return [{ host: 'lb', roles: ['lb'], quota: 2, usageUs: n * 500_000, throttledUs: 0, atMs: n * 1000 }];
    },
    intervalMs: 5,
    now: () => {
      wall += 1000;
      return wall;
    },
  });
  await new Promise((r) => setTimeout(r, 60));
  meter.stop();
  // Samples at wall 11 000, 12 000, 13 000: both ends of [12 600, 13 400] are nearest 13 000.
  assert.deepEqual(meter.window(12_600, 13_400)?.parts, [
    { name: 'lb', role: 'lb', shared: true, usedCores: 0.5, budgetCores: 2, roles: ['lb'] },
  ]);
});
