import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_HOST_SIZES,
  defaultLabHosts,
  MEASURED_CPU_VS_APP,
  renderHostsYaml,
} from '../../../src/lab/default-hosts.js';
import { parseHostsFile } from '../../../src/lab/hosts-file.js';

test('the default lab: 1 lb, N app hosts, 1 cache, 1 sessions, 1 db, sized from the one table', () => {
  const hosts = defaultLabHosts(3);
  assert.deepEqual(
    hosts.map((h) => [h.name, h.roles.join()]),
    [
      ['lb', 'lb'],
      ['app1', 'app'],
      ['app2', 'app'],
      ['app3', 'app'],
      ['cache', 'cache'],
      ['sessions', 'sessions'],
      ['db', 'db'],
    ],
  );
  for (const h of hosts) assert.equal(h.cpu, DEFAULT_HOST_SIZES[h.roles[0]!].cpu);
  assert.equal(hosts[1]!.memoryBytes, 256 * 1024 * 1024);
});

test('in the default lab the app hosts saturate before the shared hosts (measured CPU ratios)', () => {
  const hosts = defaultLabHosts(2);
  const appCores = hosts.filter((h) => h.roles.includes('app')).reduce((s, h) => s + h.cpu!, 0);
  for (const role of ['lb', 'cache', 'sessions'] as const) {
    const needed = MEASURED_CPU_VS_APP[role] * appCores;
    assert.ok(
      DEFAULT_HOST_SIZES[role].cpu >= 1.25 * needed,
      `${role}: ${DEFAULT_HOST_SIZES[role].cpu} < 1.25 x ${needed}`,
    );
  }
  // The load generator runs outside the hosts: at app saturation the measured use leaves it CPU.
  const used =
    appCores * (1 + MEASURED_CPU_VS_APP.lb + MEASURED_CPU_VS_APP.cache + MEASURED_CPU_VS_APP.sessions);
  assert.ok(used < 1.5, `hosts would use ${used} of 2 cores`);
});

test('the rendered hosts file parses back to the same hosts, lines included', () => {
  const hosts = defaultLabHosts(2);
  const text = renderHostsYaml(hosts);
  assert.deepEqual(parseHostsFile(text, 'hosts.yaml', '/'), hosts);
  assert.match(text, /^ {2}- name: app2\n {4}roles: \[app\]\n {4}cpu: 0\.25\n {4}memory: 256M$/m);
});
