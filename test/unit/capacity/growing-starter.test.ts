import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FleetStarterOptions } from '../../../src/capacity/fleet-starter.js';
import { fleetTarget } from '../../../src/capacity/fleet-target.js';
import { type FleetGrowth, growingFleetStarter } from '../../../src/capacity/growing-starter.js';
import type { RunningFleet } from '../../../src/stages/fleet/start.js';
import { labHosts } from '../stages/fleet-fixture.js';

// capacity's growing FleetStarter on fakes: one fleet start, one deploy, `hosts add` per larger
// size and `hosts remove` per smaller one, a restart only for another --protect or after a failed
// growth; the CPU of exactly the hosts in use; close() stops the fleet and every added host.

function fakes(o: { failAdd?: string } = {}) {
  const ops: string[] = [];
  let fleets = 0;
  const hosts = labHosts(4);
  const startFleet: FleetStarterOptions['startFleet'] = async (s) => {
    fleets += 1;
    const n = fleets;
    ops.push(`start ${s.appHosts}${s.protect ? ` protect ${s.protect.maxInFlight}` : ''} ${s.runDir}`);
    const apps = hosts.filter((h) => h.roles.includes('app')).slice(0, s.appHosts);
    const used = hosts.filter((h) => !h.roles.includes('app') || apps.includes(h));
    return {
      url: `http://lb/${n}`,
      plan: { hosts: used.map((h) => ({ name: h.name })), databaseUrl: 'postgres://db/fk' },
      hostCpu: async () => [],
      stop: async () => {
        ops.push(`stop fleet ${n}`);
      },
    } as unknown as RunningFleet;
  };
  const cpuAsked: string[][] = [];
  const growth = async (f: RunningFleet): Promise<FleetGrowth> => {
    ops.push(`open ${f.url}`);
    return {
      deploy: async () => {
        ops.push('deploy');
      },
      add: async (h) => {
        if (h === o.failAdd) throw new Error(`${h}: uptest failed`);
        ops.push(`add ${h}`);
      },
      remove: async (h) => {
        ops.push(`remove ${h}`);
      },
      shutdown: async (hs) => {
        ops.push(`shutdown ${hs.join(',')}`);
      },
      hostCpu: async (names) => {
        cpuAsked.push([...names]);
        return [];
      },
      close: async () => {
        ops.push('close view');
      },
    };
  };
  const starter = growingFleetStarter({
    hosts,
    runDir: '/run/cap',
    startFleet,
    dataFacts: async () => ({ users: 500 }),
    growth,
  });
  return { ops, starter, cpuAsked };
}

test('capacity sizes 1, 2, 4 then the overload curves: one start, one deploy, hosts add and remove, a restart for --protect', async () => {
  const { ops, starter } = fakes();
  assert.equal(starter.maxSize, 4);
  const target = fleetTarget({ name: 'lab t1', users: 0, starter });
  for (const size of [1, 2, 4]) {
    const r = await target.start(size, {});
    assert.equal(r.url, 'http://lb/1', `size ${size} is the same fleet`);
    await r.stop();
  }
  assert.equal(target.info.users, 500);
  assert.deepEqual(ops, [
    'start 1 /run/cap/01-fleet-1',
    'open http://lb/1',
    'deploy',
    'add app2',
    'add app3',
    'add app4',
  ]);
  ops.length = 0;
  // The overload curve without protection at size 1: shrunk, not restarted.
  await (await target.start(1, {})).stop();
  assert.deepEqual(ops, ['remove app4', 'remove app3', 'remove app2']);
  ops.length = 0;
  // With --protect the fleet's start writes the limits: stop everything, start again.
  const p = await target.start(1, { protect: { maxInFlight: 4 } });
  assert.equal(p.url, 'http://lb/2');
  assert.deepEqual(ops, [
    'stop fleet 1',
    'shutdown app2,app3,app4',
    'close view',
    'start 1 protect 4 /run/cap/02-fleet-1-protect',
  ]);
  ops.length = 0;
  await p.stop();
  assert.deepEqual(ops, [], "a size's stop leaves the fleet for the next size");
  await starter.close();
  await starter.close();
  assert.deepEqual(ops, ['stop fleet 2'], 'close stops the fleet once; no host was added to it');
});

test('the CPU meter reads exactly the hosts in use: the shared ones and the members', async () => {
  const { starter, cpuAsked } = fakes();
  (await starter.start(1, undefined)).cpu().stop();
  assert.deepEqual(cpuAsked, [], "size 1 before any growth: the fleet's own reader");
  (await starter.start(3, undefined)).cpu().stop();
  (await starter.start(2, undefined)).cpu().stop();
  assert.deepEqual(cpuAsked, [
    ['lb', 'cache', 'sessions', 'db', 'app1', 'app2', 'app3'],
    ['lb', 'cache', 'sessions', 'db', 'app1', 'app2'],
  ]);
  await starter.close();
});

test('a growth that fails is an error; the next size starts the fleet again, and close stops what was added', async () => {
  const { ops, starter } = fakes({ failAdd: 'app3' });
  await starter.start(1, undefined);
  await assert.rejects(starter.start(4, undefined), /app3: uptest failed/);
  assert.deepEqual(ops.slice(-2), ['deploy', 'add app2']);
  ops.length = 0;
  const r = await starter.start(2, undefined);
  assert.equal(r.url, 'http://lb/2');
  assert.deepEqual(ops, ['stop fleet 1', 'shutdown app2', 'close view', 'start 2 /run/cap/02-fleet-2']);
  ops.length = 0;
  await starter.close();
  assert.deepEqual(ops, ['stop fleet 2']);
});
