import { hostsFromLabState, loadHosts } from '../../../src/remote/hosts.js';
import type { RemoteHost } from '../../../src/remote/remote-host.js';
import type { HostFacts } from '../../../src/stages/fleet/host-facts.js';
import { type FleetPlanOptions, planFleet } from '../../../src/stages/fleet/plan.js';
import { fixedLab } from '../lab/lab-fixture.js';

/**
 * Fixed inputs for the fleet's unit tests: the default lab of 2 app hosts on 10.201.7.0/24 (as
 * `lab up` would make it), hosts probed as root with Debian's paths, and a fixed release id.
 */
export const RELEASE = '0123456789abcdef';

export const labHosts = (appHosts = 2): RemoteHost[] => hostsFromLabState(fixedLab('t1', appHosts));

export const realHosts = (): RemoteHost[] =>
  loadHosts('fleet-real.yaml', {
    cwd: new URL('../../fixtures/hosts/', import.meta.url).pathname,
    controlDir: '/tmp/cm',
  });

export function debianFacts(o: { uid?: number; cores?: number; client?: string } = {}): HostFacts {
  return {
    uid: o.uid ?? 0,
    cores: o.cores ?? 2,
    bins: {
      supervisord: '/usr/bin/supervisord',
      supervisorctl: '/usr/bin/supervisorctl',
      node: '/usr/bin/node',
      sha256sum: '/usr/bin/sha256sum',
      nginx: '/usr/sbin/nginx',
      memcached: '/usr/bin/memcached',
      'redis-server': '/usr/bin/redis-server',
      postgres: '/usr/lib/postgresql/15/bin/postgres',
      initdb: '/usr/lib/postgresql/15/bin/initdb',
      setpriv: '/usr/bin/setpriv',
    },
    nodeVersion: 'v20.20.2',
    clientAddress: o.client ?? '10.201.7.1',
  };
}

export function factsFor(
  hosts: readonly RemoteHost[],
  f: HostFacts = debianFacts(),
): Record<string, HostFacts> {
  return Object.fromEntries(hosts.map((h) => [h.name, f]));
}

export function labPlan(o: Partial<FleetPlanOptions> = {}, appHosts = 2) {
  const hosts = labHosts(appHosts);
  return planFleet(hosts, factsFor(hosts), { releaseId: RELEASE, ...o });
}
