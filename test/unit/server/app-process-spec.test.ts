import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  APP_PROCESS_DEFAULTS,
  type AppProcessSpec,
  appProcessSpec,
  fromArgv,
  toArgv,
  toEnv,
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
    maxInFlight: 16,
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
    '--max-in-flight',
    '16',
  ]);
});

test('fromArgv(toArgv(spec)) is the spec, for every combination of optional fields', () => {
  const variants: AppProcessSpec[] = [];
  for (const sessions of ['db', 'redis', 'memcached'] as const)
    for (const fillMemcached of [false, true])
      for (const cluster of [0, 2])
        for (const maxInFlight of [undefined, 1, 64])
          for (const [db, staticRoot] of [
            ['/d/fk.db', undefined],
            ['/d/fk.db', '/s t/ä'],
            ['postgres://fk@db:5432/fk', '/srv/static'],
          ] as const)
            variants.push(
              appProcessSpec({
                host: '10.1.2.3',
                port: 65535,
                db,
                sessions,
                ...(sessions === 'redis' ? { redisUrl: 'redis://r:1' } : {}),
                memcached: sessions === 'memcached' || fillMemcached ? ['m:1'] : [],
                fillMemcached,
                cluster,
                ...(maxInFlight === undefined ? {} : { maxInFlight }),
                ...(staticRoot === undefined ? {} : { staticRoot }),
              }),
            );
  for (const spec of variants) assert.deepEqual(fromArgv(toArgv(spec).slice(1)), spec);
});

test('a database password never goes into argv: it travels as DATABASE_URL, and comes back from there', () => {
  const spec = appProcessSpec({
    port: 8001,
    db: 'postgres://fk:s3cret@10.0.0.9:5432/fk',
    staticRoot: '/srv/static',
  });
  const argv = toArgv(spec);
  assert.ok(!argv.join(' ').includes('s3cret'));
  assert.ok(!argv.includes('--db'));
  assert.deepEqual(toEnv(spec), { DATABASE_URL: 'postgres://fk:s3cret@10.0.0.9:5432/fk' });
  assert.deepEqual(fromArgv(argv.slice(1), toEnv(spec)), spec);
  const inQuery = appProcessSpec({ port: 1, db: 'postgres://h/fk?password=x', staticRoot: '/s' });
  assert.ok(!toArgv(inQuery).includes('--db'));
  const plain = appProcessSpec({ port: 1, db: 'postgres://fk@h/fk', staticRoot: '/s' });
  assert.deepEqual(toEnv(plain), {});
  assert.ok(toArgv(plain).includes('postgres://fk@h/fk'));
});

test('a database URL needs a static root: a database server holds no files', () => {
  assert.throws(() => fromArgv(['--port', '1', '--db', 'postgres://h/fk']), /needs --static DIR/);
  assert.throws(() => fromArgv(['--port', '1']), /--db is required \(or DATABASE_URL\)/);
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
  assert.throws(
    () => fromArgv(['--port', '1', '--db', 'x', '--max-in-flight', '0']),
    /--max-in-flight must be a whole number from 1 to 100000/,
  );
});
