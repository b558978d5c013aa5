import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLI_ENTRY } from '../../../src/paths.js';
import { appServerArgs } from '../../../src/stages/app-pool.js';
import { clusterServerArgs } from '../../../src/stages/cluster/index.js';

// The argv of the processes the nginx-family stages spawn, as data (Kamal tests its commands so).
test('an app process gets its port, the database and the session backend', () => {
  const base = { dbPath: '/d/fk.db', workers: 2, runDir: '/r', sessions: 'redis' as const };
  assert.deepEqual(appServerArgs({ ...base, redisUrl: 'redis://127.0.0.1:7000' }, 9001), [
    CLI_ENTRY,
    'app-server',
    '--port',
    '9001',
    '--host',
    '127.0.0.1',
    '--db',
    '/d/fk.db',
    '--sessions',
    'redis',
    '--redis',
    'redis://127.0.0.1:7000',
  ]);
  const filling = appServerArgs(
    { ...base, redisUrl: 'redis://x:1', memcachedAddr: '127.0.0.1:11311', fillMemcached: true },
    9002,
  );
  assert.deepEqual(filling.slice(-3), ['--memcached', '127.0.0.1:11311', '--fill-memcached']);
  assert.ok(!appServerArgs({ ...base, sessions: 'db' }, 1).includes('--fill-memcached'));
});

test('the cluster primary gets the worker count and the same backends', () => {
  assert.deepEqual(clusterServerArgs({ port: 8080, workers: 3, dbPath: '/d/fk.db', sessions: 'db' }), [
    CLI_ENTRY,
    'cluster-server',
    '--port',
    '8080',
    '--host',
    '127.0.0.1',
    '--workers',
    '3',
    '--db',
    '/d/fk.db',
    '--sessions',
    'db',
  ]);
  const withRedis = clusterServerArgs({
    port: 1,
    workers: 2,
    dbPath: 'x',
    sessions: 'redis',
    redisUrl: 'redis://r:1',
  });
  assert.deepEqual(withRedis.slice(-2), ['--redis', 'redis://r:1']);
});
