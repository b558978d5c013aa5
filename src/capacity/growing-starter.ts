/**
 * The FleetStarter of `capacity`: the fleet grown the way an operator grows one (issue 12: "the
 * lab grows the fleet with the deploy tool's `hosts add` — the same path a real operator takes").
 * Stage fleet starts once, at the first size; before the first growth one `deploy` makes the build
 * it runs a release (the current release `hosts add` ships: the deploy tool refuses to add a host
 * to a fleet without one); each larger size is `deploy hosts add` of the next app hosts in the
 * list's order (provision check, ship, start, uptest, then into the balancer), a smaller one
 * `deploy hosts remove` from the last (out of the balancer, drained, stopped). The lb, the cache,
 * the sessions and the db keep running — and stay warm — across sizes.
 *
 * Only what the deploy tool cannot change restarts the fleet: another --protect (the lb's limit
 * file and every process's bound are written by the fleet's start), or a growth that failed half
 * way (the fleet's state is then unknown). A size's stop() leaves the fleet for the next size;
 * close() stops it: the fleet's own hosts as its stop does (lb first), then the supervisord of
 * every host that `hosts add` started.
 */
import type { RunningFleet } from '../stages/fleet/start.js';
import type { HostCpuReading, ProtectLimits } from '../stages/stage.js';
import { appHostCount, type FleetStarterOptions, fleetCpuMeter, startSized } from './fleet-starter.js';
import type { FleetStarter } from './fleet-target.js';

/** What growing a running fleet takes of the deploy tool (fleet-growth.ts; a fake in tests). */
export interface FleetGrowth {
  /** `deploy`: the build the fleet runs as a release, swapped in on its members. */
  deploy(): Promise<void>;
  /** `deploy hosts add HOST`. */
  add(host: string): Promise<void>;
  /** `deploy hosts remove HOST`. */
  remove(host: string): Promise<void>;
  /** supervisord (and all it runs) stopped on these hosts: the ones `add` started it on. */
  shutdown(hosts: readonly string[]): Promise<void>;
  /** One CPU reading of these hosts over ssh (real machines; a lab's cgroups are read here). */
  hostCpu(hosts: readonly string[]): Promise<HostCpuReading[]>;
  close(): Promise<void>;
}

export interface GrowingStarterOptions extends FleetStarterOptions {
  /** The deploy tool on a running fleet (fleet-growth.ts deployGrowth). */
  growth: (fleet: RunningFleet) => Promise<FleetGrowth>;
}

interface Live {
  fleet: RunningFleet;
  users: number;
  protect: ProtectLimits | undefined;
  /** App hosts in the balancer, in the host list's order. */
  members: string[];
  /** Hosts whose supervisord `hosts add` started (the fleet's stop does not know them). */
  added: Set<string>;
  growth?: FleetGrowth;
  deployed: boolean;
  broken: boolean;
}

const sameProtect = (a: ProtectLimits | undefined, b: ProtectLimits | undefined) =>
  a?.maxInFlight === b?.maxInFlight;

export function growingFleetStarter(o: GrowingStarterOptions): FleetStarter & { close(): Promise<void> } {
  const log = o.log ?? (() => {});
  const apps = o.hosts.filter((h) => h.roles.includes('app')).map((h) => h.name);
  let starts = 0;
  let live: Live | undefined;

  async function stopLive(): Promise<void> {
    const l = live;
    live = undefined;
    if (l === undefined) return;
    const problems: string[] = [];
    await l.fleet.stop().catch((e: Error) => problems.push(`the fleet: ${e.message}`));
    if (l.growth !== undefined) {
      if (l.added.size > 0)
        await l.growth.shutdown([...l.added]).catch((e: Error) => problems.push(`added hosts: ${e.message}`));
      await l.growth.close().catch(() => {});
    }
    for (const p of problems) log(`capacity: not stopped cleanly: ${p}`);
  }

  async function growthOf(l: Live): Promise<FleetGrowth> {
    l.growth ??= await o.growth(l.fleet);
    return l.growth;
  }

  async function resize(l: Live, size: number): Promise<void> {
    while (l.members.length < size) {
      const g = await growthOf(l);
      if (!l.deployed) {
        const t0 = performance.now();
        log(`capacity: deploy of the fleet's build, so that \`hosts add\` has a current release to ship`);
        await g.deploy();
        l.deployed = true;
        log(`capacity: deployed in ${secs(t0)}`);
      }
      const host = apps[l.members.length]!;
      const t0 = performance.now();
      log(`capacity: size ${l.members.length + 1}: deploy hosts add ${host}`);
      await g.add(host);
      l.added.add(host);
      l.members.push(host);
      log(`capacity: ${host} in the balancer after ${secs(t0)}`);
    }
    while (l.members.length > size) {
      const g = await growthOf(l);
      const host = l.members[l.members.length - 1]!;
      const t0 = performance.now();
      log(`capacity: size ${l.members.length - 1}: deploy hosts remove ${host}`);
      await g.remove(host);
      l.members.pop();
      log(`capacity: ${host} out of the balancer after ${secs(t0)}`);
    }
  }

  return {
    maxSize: appHostCount(o.hosts),
    async start(size, protect) {
      if (live !== undefined && (live.broken || !sameProtect(live.protect, protect))) {
        log(
          live.broken
            ? 'capacity: the last growth failed: the fleet starts again'
            : `capacity: ${protect === undefined ? 'without' : 'with'} --protect: the fleet starts again (the deploy tool keeps a fleet's protection as it is)`,
        );
        await stopLive();
      }
      if (live === undefined) {
        starts += 1;
        const { fleet, users } = await startSized(o, starts, size, protect);
        live = {
          fleet,
          users,
          protect,
          members: apps.slice(0, size),
          added: new Set(),
          deployed: false,
          broken: false,
        };
      } else {
        const l = live;
        try {
          await resize(l, size);
        } catch (e) {
          l.broken = true;
          throw e;
        }
      }
      const l = live;
      const used = new Set([
        ...l.fleet.plan.hosts.map((h) => h.name).filter((n) => !apps.includes(n)),
        ...l.members,
      ]);
      // Until a growth, the fleet's own reader covers exactly the hosts in use.
      const g = l.growth;
      const read = g === undefined ? () => l.fleet.hostCpu() : () => g.hostCpu([...used]);
      return {
        url: l.fleet.url,
        users: l.users,
        cpu: () => fleetCpuMeter(o, used, read),
        // The fleet stays up for the next size: close() stops it.
        stop: async () => {},
      };
    },
    close: stopLive,
  };
}

const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
