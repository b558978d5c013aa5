import assert from 'node:assert/strict';
import { test } from 'node:test';
import { machineInfo } from '../../src/ladder/machine-info.js';

// Runs each server's `-v` (or says 'not installed'): a process per binary, hence not a unit test.
test('machineInfo describes this machine and says the generator shares it', async () => {
  const m = await machineInfo(process.versions.node);
  assert.ok(m.cores >= 1);
  assert.ok(m.memoryBytes > 0);
  assert.equal(m.node, process.versions.node);
  assert.equal(m.generatorSharesMachine, true);
  for (const k of ['nginx', 'memcached', 'redis', 'lighttpd']) assert.equal(typeof m.versions[k], 'string');
});
