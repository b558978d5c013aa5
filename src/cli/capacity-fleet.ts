import { basename, join } from 'node:path';
import { deployGrowth } from '../capacity/fleet-growth.js';
import { appHostCount } from '../capacity/fleet-starter.js';
import { fleetTarget } from '../capacity/fleet-target.js';
import { growingFleetStarter } from '../capacity/growing-starter.js';
import { machineSampler } from '../capacity/machine-sampler.js';
import type { CapacityTarget } from '../capacity/target.js';
import { FkError, isFkError } from '../errors.js';
import { defaultLabHosts, renderHostsYaml } from '../lab/default-hosts.js';
import { labDown } from '../lab/down.js';
import { labUp } from '../lab/up.js';
import { hostsForLab, loadHosts, readRunningLab } from '../remote/hosts.js';
import type { RemoteHost } from '../remote/remote-host.js';
import { dataFacts } from '../stages/fleet/fleet-db.js';
import { startFleet } from '../stages/fleet/start.js';
import { owner } from './deploy.js';
import type { Io } from './io.js';

/**
 * `capacity --lab [NAME] | --hosts FILE`: stage fleet as the target (capacity/fleet-starter.ts).
 * With --lab and no lab NAME up, the command makes one of its own (`lab up --app-hosts N`) and
 * removes it at the end, even when interrupted or failing; a lab that is up is used as it is and
 * left up.
 */
export type FleetWhere = { kind: 'lab'; lab: string; appHosts: number } | { kind: 'hosts'; file: string };

/**
 * 4 app hosts of 0.25 core: sizes 1, 2, 4. With the default lab's lb (0.75 core) the lb saturates
 * near 3 app hosts' worth of pages, so size 4 is where the curve meets a shared host — and the
 * whole run (lab up, seed, 3 sizes, the overload curve) stays within 10 minutes here.
 */
export const DEFAULT_OWN_LAB_APP_HOSTS = 4;

export interface FleetCapacity {
  target: CapacityTarget;
  /** Stops the fleet (grown across sizes: capacity/growing-starter.ts), then what this command made (its own lab). */
  cleanup(): Promise<void>;
}

export async function fleetCapacityTarget(
  where: FleetWhere,
  o: { io: Io; outDir: string; users?: number; log: (line: string) => void },
): Promise<FleetCapacity> {
  let hosts: RemoteHost[];
  let cleanup = async () => {};
  let name: string;
  if (where.kind === 'hosts') {
    hosts = loadHosts(where.file, { cwd: o.io.cwd });
    name = basename(where.file);
  } else {
    name = `lab ${where.lab}`;
    const up = labIfUp(where.lab);
    if (up !== undefined) {
      hosts = up;
      o.log(`capacity: lab ${where.lab} is up (${appHostCount(hosts)} app hosts): using it as it is`);
    } else {
      const uid = process.getuid?.();
      if (uid !== 0)
        throw new FkError(
          'E_LAB_ROOT',
          `capacity --lab makes a lab of its own, which needs root (uid ${uid})`,
          {
            hint: `Run as root, or start one first (\`sudo flickr-killr lab up --name ${where.lab}\`), or use --hosts FILE.`,
          },
        );
      o.log(
        `capacity: no lab ${where.lab} up: making one of its own with ${where.appHosts} app hosts (removed at the end)`,
      );
      const specs = defaultLabHosts(where.appHosts);
      cleanup = async () => {
        o.log(`capacity: removing lab ${where.lab}`);
        await labDown(where.lab);
      };
      try {
        await labUp({
          name: where.lab,
          hosts: specs,
          hostsYaml: renderHostsYaml(specs),
          label: 'hosts.yaml',
          log: o.log,
        });
        hosts = hostsForLab(where.lab);
      } catch (e) {
        await cleanup();
        throw e;
      }
    }
  }
  const starter = growingFleetStarter({
    hosts,
    runDir: join(o.outDir, 'fleet'),
    env: o.io.env,
    ...(o.users === undefined ? {} : { users: o.users }),
    log: o.log,
    startFleet,
    dataFacts,
    labState: (lab) => readRunningLab(lab),
    machine: machineSampler(),
    growth: (fleet) =>
      deployGrowth(fleet, {
        hosts,
        env: o.io.env,
        localNode: process.execPath,
        owner: owner(o.io, 'capacity'),
        // No signal: Ctrl-C lets a growth step finish (≤ ~40 s), then the probes stop on it and
        // the report of what ran is written; a step cut short would fail the whole run instead.
        log: o.log,
      }),
  });
  return {
    target: fleetTarget({ name, users: 0, starter }),
    cleanup: async () => {
      await starter.close();
      await cleanup();
    },
  };
}

function labIfUp(lab: string): RemoteHost[] | undefined {
  try {
    return hostsForLab(lab);
  } catch (e) {
    if (isFkError(e) && e.code === 'E_LAB_NOT_FOUND') return undefined;
    throw e;
  }
}
