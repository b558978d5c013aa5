import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_HOST_SIZES, defaultLabHosts, renderHostsYaml } from '../../../src/lab/default-hosts.js';
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

test('app hosts get the smallest quota: they saturate before the shared hosts (capacity)', () => {
  const app = DEFAULT_HOST_SIZES.app.cpu;
  for (const role of ['lb', 'db'] as const) assert.ok(DEFAULT_HOST_SIZES[role].cpu > app, role);
  // The default lab (2 app hosts) leaves the load generator CPU of its own on a 2-core machine.
  const total = defaultLabHosts(2).reduce((s, h) => s + h.cpu!, 0);
  assert.ok(total < 2, `default lab caps add up to ${total} cores`);
});

test('the rendered hosts file parses back to the same hosts, lines included', () => {
  const hosts = defaultLabHosts(2);
  const text = renderHostsYaml(hosts);
  assert.deepEqual(parseHostsFile(text, 'hosts.yaml', '/'), hosts);
  assert.match(text, /^ {2}- name: app2\n {4}roles: \[app\]\n {4}cpu: 0\.25\n {4}memory: 256M$/m);
});
