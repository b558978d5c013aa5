/**
 * The deploy tool as capacity's growing-starter.ts drives it: the same functions `flickr-killr
 * deploy`, `deploy hosts add` and `deploy hosts remove` run (cli/deploy.ts), on a FleetView of the
 * running fleet, so a size the capacity run grows to is reached exactly as an operator reaches it
 * — the lock, the provision check, the hash-checked copy, the uptests, the upstream switch.
 *
 * The release is the build the fleet already runs (stage fleet ships it to the hosts it starts),
 * with the fleet's own config (view.defaultConfig: its database, sessions, processes per host,
 * the lb's protection): the first deploy restarts size 1's processes once, on the same build.
 */

import { addHost, removeHost } from '../deploy/fleet-hosts.js';
import { FleetView } from '../deploy/fleet-view.js';
import { makeRelease } from '../deploy/release.js';
import { swarm } from '../deploy/swarm.js';
import type { RemoteHost } from '../remote/remote-host.js';
import { hostCpuReader } from '../stages/fleet/host-cpu.js';
import { FleetHost, onEvery } from '../stages/fleet/host-ops.js';
import type { RunningFleet } from '../stages/fleet/start.js';
import type { FleetGrowth } from './growing-starter.js';

export interface DeployGrowthOptions {
  hosts: readonly RemoteHost[];
  env?: Record<string, string | undefined>;
  /** node on this machine (process.execPath), as `deploy` offers it to a host without one. */
  localNode: string;
  /** The artifact cache the fleet was started with (the static root is beside it). */
  cacheDir?: string;
  /** Who holds the deploy lock while a step runs (`deploy status` shows it). */
  owner: { user: string; pid: number; command: string };
  log?: (line: string) => void;
}

export async function deployGrowth(fleet: RunningFleet, o: DeployGrowthOptions): Promise<FleetGrowth> {
  const view = await FleetView.open({
    hosts: o.hosts,
    localNode: o.localNode,
    ...(o.env === undefined ? {} : { env: o.env }),
    ...(o.cacheDir === undefined ? {} : { cacheDir: o.cacheDir }),
  });
  const log = (line: string) => o.log?.(`  ${line}`);
  const common = { view, owner: o.owner, log };
  return {
    async deploy() {
      const release = makeRelease(fleet.artifact.id, view.defaultConfig({}));
      await swarm({ ...common, release, artifact: fleet.artifact, batch: 1 });
    },
    async add(host) {
      await addHost({ ...common, host, artifact: fleet.artifact });
    },
    remove: (host) => removeHost({ view, host, owner: o.owner, log }),
    async shutdown(hosts) {
      await onEvery(
        hosts.map((h) => new FleetHost(view.hostPlan(h), view.remotes.get(h)!)),
        (h) => h.shutdown(),
      );
    },
    hostCpu: (names) =>
      hostCpuReader(
        o.hosts.filter((h) => names.includes(h.name)),
        view.remotes,
        { ...fleet.facts, ...view.facts },
      )(),
    close: () => view.close(),
  };
}
