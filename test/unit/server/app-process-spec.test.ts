import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  APP_PROCESS_DEFAULTS,
  type AppProcessSpec,
  appProcessSpec,
  fromArgv,
  toArgv,
} from '../../../src/server/app-process-spec.js';

// The argv of an app process, as data (Kamal tests its commands so): what stages, stage fleet and
// the deploy tool write, and what `app-server` reads back.
test('the argv of an app process: the command, then one flag per field that is set', () => {
  const spec = appProcessSpec({
    port: 9001,
    db: '/d/fk.db',
    sessions: 'redis',
    redisUrl: 'redis://127.0.0.1:7000',
  });
  assert.deepEqual(toArgv(spec), [
    'app-server',
    '--host',
    '127.0.0.1',
    '--port',
    '9001',
    '--db',
    '/d/fk.db',
    '--sessions',
    'redis',
    '--redis',
    'redis://127.0.0.1:7000',
  ]);
  const filling = appProcessSpec({
    port: 9002,
    db: '/d/fk.db',
    sessions: 'memcached',
    memcached: ['10.0.0.5:11211', '10.0.0.6:11211'],
    fillMemcached: true,
    staticRoot: '/srv/static',
    cluster: 3,
  });
  assert.deepEqual(toArgv(filling).slice(7), [
    '--static',
    '/srv/static',
    '--sessions',
    'memcached',
    '--memcached',
    '10.0.0.5:11211,10.0.0.6:11211',
    '--fill-memcached',
    '--cluster',
    '3',
  ]);
});

test('fromArgv(toArgv(spec)) is the spec, for every combination of optional fields', () => {
  const variants: AppProcessSpec[] = [];
  for (const sessions of ['db', 'redis', 'memcached'] as const)
    for (const fillMemcached of [false, true])
      for (const cluster of [0, 2])
        for (const staticRoot of [undefined, '/s t/ä'])
          variants.push(
            appProcessSpec({
              host: '10.1.2.3',
              port: 65535,
              db: 'postgres://fk@db:5432/fk',
              sessions,
              ...(sessions === 'redis' ? { redisUrl: 'redis://r:1' } : {}),
              memcached: sessions === 'memcached' || fillMemcached ? ['m:1'] : [],
              fillMemcached,
              cluster,
              ...(staticRoot === undefined ? {} : { staticRoot }),
            }),
          );
  for (const spec of variants) assert.deepEqual(fromArgv(toArgv(spec).slice(1)), spec);
});

test('one set of defaults: host loopback, sessions in the database, no memcached, no cluster', () => {
  const spec = fromArgv(['--port', '0', '--db', 'x.db']);
  assert.deepEqual(spec, { ...APP_PROCESS_DEFAULTS, memcached: [], port: 0, db: 'x.db' });
  assert.deepEqual(appProcessSpec({ port: 0, db: 'x.db' }), spec);
});

test('every problem of an argv is reported at once, before the process opens anything', () => {
  assert.throws(
    () => fromArgv(['--port', '70000', '--sessions', 'redis', '--fill-memcached', '--cluster', '0']),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_USAGE');
      for (const part of [
        '--port must be a whole number from 0 to 65535',
        '--db is required',
        '--cluster must be a whole number from 1 to 256',
        '--sessions redis needs --redis URL',
        '--fill-memcached needs --memcached HOST:PORT',
      ])
        assert.ok(e.message.includes(part), `${part} in: ${e.message}`);
      return true;
    },
  );
  assert.throws(
    () => fromArgv(['--port', '1', '--db', 'x', '--sessions', 'files']),
    /--sessions must be db, redis/,
  );
  assert.throws(() => fromArgv(['--port', '1', '--db', 'x', '--memcached', 'no-port']), /HOST:PORT/);
  assert.throws(() => fromArgv(['--port', '1', '--db', 'x', '--bogus']), { code: 'E_USAGE' });
});
