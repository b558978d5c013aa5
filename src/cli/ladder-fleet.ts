import { performance } from 'node:perf_hooks';
import { runBench } from '../bench/index.js';
import { fleetRung } from '../capacity/fleet-rung.js';
import { missingPrerequisites } from '../daemons/prereq.js';
import { renderHostsYaml } from '../lab/default-hosts.js';
import { labDown } from '../lab/down.js';
import { labUp } from '../lab/up.js';
import type { FleetRungFn } from '../ladder/types.js';
import { hostsForLab, readRunningLab } from '../remote/hosts.js';
import { prerequisitesFor } from '../setup/needs.js';
import { dataFacts } from '../stages/fleet/fleet-db.js';
import { startFleet } from '../stages/fleet/start.js';

/**
 * The ladder's fleet rung with its real parts (capacity/fleet-rung.ts): a lab of its own with a
 * unique name, removed at the end. Here because only cli/ touches the process (uid, PID).
 */
export function ladderFleetRung(log: (line: string) => void): FleetRungFn {
  const labName = `r${(process.pid % 36 ** 6).toString(36).padStart(6, '0')}`;
  return fleetRung({
    labName,
    unavailable: () => {
      const uid = process.getuid?.();
      if (uid !== 0)
        return { reason: `the lab needs root (running as uid ${uid ?? 'unknown'}): no fleet rung` };
      // What `setup --for lab` installs: the lab itself and the daemons its hosts run (PostgreSQL too).
      const missing = missingPrerequisites(prerequisitesFor(['lab']));
      if (missing.length > 0)
        return {
          reason: `the lab misses ${missing.map((m) => m.binary).join(', ')}`,
          install: missing.map((m) => m.install),
        };
      return undefined;
    },
    labUp: async (name, hosts) => {
      await labUp({ name, hosts, hostsYaml: renderHostsYaml(hosts), label: 'hosts.yaml', log });
    },
    labDown: async (name) => {
      await labDown(name);
    },
    hostsForLab: (name) => hostsForLab(name),
    labState: (name) => readRunningLab(name),
    startFleet,
    dataFacts,
    probe: { runBench, wallNow: () => Date.now() },
    now: () => performance.now(),
  });
}
