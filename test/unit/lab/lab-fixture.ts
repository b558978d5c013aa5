import { defaultLabHosts } from '../../../src/lab/default-hosts.js';
import { DEFAULT_LAB_PATHS } from '../../../src/lab/naming.js';
import { planLab } from '../../../src/lab/plan.js';
import type { LabState } from '../../../src/lab/state.js';
import { parseCidr } from '../../../src/lab/subnet.js';

/** A fixed plan (default lab of 2 app hosts, v1 cgroups, 10.201.7.0/24) for byte-stable tests. */
export function fixedLab(name = 't1', appHosts = 2, link = false): LabState {
  const hosts = defaultLabHosts(appHosts);
  if (link) hosts[0]!.link = { bitsPerSecond: 1e8, tc: '100000000bit' };
  return planLab({
    name,
    hosts,
    subnet: parseCidr('10.201.7.0/24')!,
    cgroupLayout: {
      version: 1,
      cpu: '/sys/fs/cgroup/cpu',
      cpuacct: '/sys/fs/cgroup/cpuacct',
      memory: '/sys/fs/cgroup/memory',
    },
    paths: DEFAULT_LAB_PATHS,
    createdAt: '2026-12-01T00:00:00.000Z',
  });
}
