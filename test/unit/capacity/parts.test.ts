import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type FleetHost,
  fleetParts,
  fleetTarget,
  type LabMeterOptions,
  labCpuMeter,
} from '../../../src/capacity/fleet-target.js';
import { kindOf, localParts } from '../../../src/capacity/local-parts.js';
import { machineCores } from '../../../src/capacity/machine-sampler.js';
import { hostUsages, partLabel, saturatedShared } from '../../../src/capacity/target.js';
import type { CpuBreakdown } from '../../../src/report/report-types.js';

const cpu = (
  roles: Array<[string, number]>,
  machine: number,
  other: number,
  generator: number,
): CpuBreakdown => ({
  windowS: 5,
  cores: 2,
  roles: roles.map(([role, cores]) => ({ role, cpuS: cores * 5, cores, pids: 1 })),
  generatorCores: generator,
  otherCores: other,
  machineBusyCores: machine,
  perCoreBusy: [machine / 2, machine / 2],
  forks: 0,
});

test("a local stage's roles as parts: app processes grow with the size, the rest is shared, each with its budget", () => {
  const r = localParts(
    cpu(
      [
        ['nginx', 0.01],
        ['nginx-worker-1', 0.52],
        ['app-1', 0.7],
        ['app-2', 0.66],
        ['redis', 0.1],
        ['memcached', 0.2],
      ],
      1.98,
      0.05,
      0.4,
    ),
    2,
  );
  assert.deepEqual(r.parts, [
    { name: 'nginx', role: 'lb', shared: true, usedCores: 0.53, budgetCores: 1 },
    { name: 'app processes', role: 'app', shared: false, usedCores: 1.36, budgetCores: 2 },
    { name: 'redis', role: 'sessions', shared: true, usedCores: 0.1, budgetCores: 1 },
    { name: 'memcached', role: 'cache', shared: true, usedCores: 0.2, budgetCores: 2 },
    { name: 'other processes', role: 'other', shared: false, usedCores: 0.05, budgetCores: 2 },
    { name: 'machine', role: 'machine', shared: true, usedCores: 1.98, budgetCores: 2 },
  ]);
  assert.equal(r.generatorCores, 0.4);
  // The machine at 99 %: the shared part that saturated. Other processes never count as one.
  assert.deepEqual(saturatedShared(r.parts), ['machine']);
});

test('role kinds: CGI scripts are app processes, lighttpd a front door, the database shared', () => {
  assert.equal(kindOf('lighttpd/children').part, 'app processes');
  assert.equal(kindOf('lighttpd').part, 'lighttpd');
  assert.equal(kindOf('cluster-primary').role, 'app');
  assert.deepEqual([kindOf('postgres').role, kindOf('postgres').shared], ['db', true]);
  assert.equal(kindOf('nginx-cache-manager').part, 'nginx');
});

const hosts: FleetHost[] = [
  { name: 'lb', roles: ['lb'], cpu: 0.5, cgroup: 'fk/lab/lb' },
  { name: 'app1', roles: ['app'], cpu: 0.25, cgroup: 'fk/lab/app1' },
  { name: 'data', roles: ['sessions', 'db'], cpu: 1, cgroup: 'fk/lab/data' },
];

test('fleet hosts as parts: an app-only host grows with the size; any other role makes a host shared', () => {
  const a = {
    atMs: 0,
    usageUs: new Map([
      ['lb', 0],
      ['app1', 0],
      ['data', 0],
    ]),
  };
  const b = {
    atMs: 4000,
    usageUs: new Map([
      ['lb', 1_800_000],
      ['app1', 1_000_000],
      ['data', 400_000],
    ]),
  };
  assert.deepEqual(fleetParts(hosts, a, b), [
    { name: 'lb', role: 'lb', shared: true, usedCores: 0.45, budgetCores: 0.5, roles: ['lb'] },
    { name: 'app1', role: 'app', shared: false, usedCores: 0.25, budgetCores: 0.25, roles: ['app'] },
    { name: 'data', role: 'db', shared: true, usedCores: 0.1, budgetCores: 1, roles: ['sessions', 'db'] },
  ]);
  // The answer names a host by every role it has and its quota.
  assert.equal(partLabel(fleetParts(hosts, a, b)[2]!, 'fleet'), "sessions+db host 'data' (1 core)");
  assert.equal(partLabel(fleetParts(hosts, a, b)[0]!, 'fleet'), "lb host 'lb' (0.5 cores)");
  assert.equal(partLabel(fleetParts(hosts, a, b)[0]!, 'stage'), 'lb');
  assert.deepEqual(saturatedShared(fleetParts(hosts, a, b)), ['lb']);
});

/**
 * A lab meter over fake v2 cgroups (/cg/fk/lab/<host>/cpu.stat from `usage`, µs) on a clock moved
 * by hand; it samples only when created and stopped (the interval is an hour).
 */
function fakeLabMeter(
  of: FleetHost[],
  usage: Map<string, number>,
  clock: { now: number },
  machine?: LabMeterOptions['machine'],
) {
  const read = (path: string): string => {
    const m = /^\/cg\/fk\/lab\/(\w+)\/(.+)$/.exec(path);
    if (!m) return '';
    if (m[2] === 'cpu.stat')
      return `usage_usec ${usage.get(m[1]!)}\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n`;
    return m[2] === 'memory.current' ? '1048576\n' : '';
  };
  return labCpuMeter({
    layout: { version: 2, root: '/cg' },
    hosts: of,
    read,
    intervalMs: 3_600_000,
    now: () => clock.now,
    ...(machine === undefined ? {} : { machine }),
  });
}

test("the lab meter reads every host's cgroup (v2 cpu.stat usage_usec) over a probe's window", () => {
  const usage = new Map([
    ['lb', 0],
    ['app1', 0],
    ['data', 0],
  ]);
  const clock = { now: 1_000_000 };
  const meter = fakeLabMeter(hosts, usage, clock);
  clock.now += 2000;
  usage.set('lb', 500_000).set('app1', 400_000).set('data', 100_000);
  meter.stop();
  const r = meter.window(1_000_000, 1_002_000);
  assert.deepEqual(
    r?.parts.map((p) => [p.name, p.usedCores]),
    [
      ['lb', 0.25],
      ['app1', 0.2],
      ['data', 0.05],
    ],
  );
  assert.equal(r?.generatorCores, null);
});

test('the fleet target composes a starter with its meter; the workload follows the users the fleet holds', async () => {
  const started: string[] = [];
  const target = fleetTarget({
    name: 'lab',
    users: 500,
    starter: {
      maxSize: 4,
      start: async (size, protect) => {
        started.push(`${size}:${protect?.maxInFlight ?? '-'}`);
        return {
          url: 'http://10.201.0.11',
          users: 2000,
          cpu: () => labCpuMeter({ layout: { version: 2, root: '/nonexistent' }, hosts: [] }),
          stop: async () => {},
        };
      },
    },
  });
  assert.deepEqual(
    [target.info.kind, target.info.sizeUnit, target.info.maxSize, target.info.staticFrom],
    ['fleet', 'app hosts', 4, 'cache'],
  );
  const running = await target.start(2, { protect: { maxInFlight: 16 } });
  assert.equal(running.url, 'http://10.201.0.11');
  assert.equal(target.info.users, 2000);
  running.cpu().stop();
  await running.stop();
  assert.deepEqual(started, ['2:16']);
});

test('on a shared box the lab meter says what other processes used: machine − lab hosts − generator', () => {
  const app1: FleetHost[] = [{ name: 'app1', roles: ['app'], cpu: 0.25, cgroup: 'fk/lab/app1' }];
  const usage = new Map([['app1', 0]]);
  // 2 cores at 100 ticks/s: over 2 s, 400 ticks in all; 300 busy = 1.5 busy cores, of which the
  // generator (this process) 80 ticks = 0.4 core and app1's cgroup 0.25 core: other 0.85.
  const machine = [
    { busyTicks: 1000, totalTicks: 10_000, cores: 2, selfTicks: 50 },
    { busyTicks: 1300, totalTicks: 10_400, cores: 2, selfTicks: 130 },
  ];
  let m = 0;
  const clock = { now: 0 };
  const meter = fakeLabMeter(app1, usage, clock, () => machine[m]);
  clock.now = 2000;
  usage.set('app1', 500_000);
  m = 1;
  meter.stop();
  const r = meter.window(0, 2000);
  assert.deepEqual(
    r?.parts.map((p) => [p.name, p.role, p.shared, p.usedCores, p.budgetCores]),
    [
      ['app1', 'app', false, 0.25, 0.25],
      ['other processes', 'other', false, 0.85, 2],
    ],
  );
  assert.equal(r?.generatorCores, 0.4);
  // Not a host: capacity.json's cpu.hosts leaves it out.
  assert.deepEqual(
    hostUsages(r!.parts).map((h) => h.name),
    ['app1'],
  );
  assert.deepEqual(machineCores(machine[0]!, machine[0]!, 0), undefined, 'no ticks between them');
});
