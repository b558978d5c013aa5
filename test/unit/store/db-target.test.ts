import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import {
  describeTarget,
  parseDbTarget,
  redact,
  scrubSecrets,
  staticRootFor,
} from '../../../src/store/db-target.js';

const o = { env: {}, cwd: '/srv/fk' };
const usage = (e: unknown) => isFkError(e) && e.code === 'E_USAGE';

test('a file path is SQLite, resolved against cwd; nothing given is the default file', () => {
  assert.deepEqual(parseDbTarget('fk.db', o), { kind: 'sqlite', path: '/srv/fk/fk.db' });
  assert.deepEqual(parseDbTarget('/data/x.db', o), { kind: 'sqlite', path: '/data/x.db' });
  assert.deepEqual(parseDbTarget(undefined, o), { kind: 'sqlite', path: '/srv/fk/data/flickr-killr.db' });
  assert.deepEqual(parseDbTarget('./postgres', o), { kind: 'sqlite', path: '/srv/fk/postgres' });
});

test("the word 'postgres' is the own cluster under data/pg", () => {
  assert.deepEqual(parseDbTarget('postgres', o), { kind: 'own-postgres', dataDir: '/srv/fk/data/pg' });
  assert.deepEqual(parseDbTarget('postgres', { ...o, ownDataDir: '/tmp/c' }), {
    kind: 'own-postgres',
    dataDir: '/tmp/c',
  });
});

test('postgres:// and postgresql:// URLs are a server the user runs', () => {
  for (const url of [
    'postgres://fk:secret@127.0.0.1:5433/fk',
    'postgresql://fk@db.example/fk?sslmode=disable',
    'POSTGRES://fk@localhost/fk',
    'postgres://localhost',
  ]) {
    assert.deepEqual(parseDbTarget(url, o), {
      kind: 'postgres',
      url,
      staticRoot: '/srv/fk/data/static',
      own: false,
    });
  }
});

test('DATABASE_URL is used only when --db is absent; an empty one is ignored', () => {
  const env = { DATABASE_URL: 'postgres://fk@h/fk' };
  assert.equal(parseDbTarget(undefined, { ...o, env }).kind, 'postgres');
  assert.equal(parseDbTarget('x.db', { ...o, env }).kind, 'sqlite');
  assert.equal(parseDbTarget(undefined, { ...o, env: { DATABASE_URL: '  ' } }).kind, 'sqlite');
  assert.equal(parseDbTarget(undefined, { ...o, env: { DATABASE_URL: 'postgres' } }).kind, 'own-postgres');
});

test('bad values are E_USAGE with a clear message and no password', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['postgres://fk:hunter2@h:99999/x', /does not parse/],
    ['postgres://fk:hunter2@h1,h2/x', /several hosts/],
    ['postgres://fk:hunter2@h/a/b', /database name/],
    ['postgres://:hunter2@:5432/x', /does not parse|no host/],
    ['mysql://root:hunter2@h/x', /only postgres:\/\//],
    ['postgres://fk:%zz@h/x', /%-escape/],
  ];
  for (const [value, why] of cases) {
    assert.throws(
      () => parseDbTarget(value, o),
      (e: unknown) => usage(e) && why.test((e as Error).message) && !(e as Error).message.includes('hunter2'),
      value,
    );
  }
  assert.throws(() => parseDbTarget(undefined, { ...o, env: { DATABASE_URL: 'redis://x' } }), /DATABASE_URL/);
});

test('redact drops the password from user-info and query, on valid and broken URLs alike', () => {
  assert.equal(redact('postgres://fk:s3cret@127.0.0.1:5433/fk'), 'postgres://fk@127.0.0.1:5433/fk');
  assert.equal(
    redact('postgres://fk@h/fk?password=s3cret&sslmode=disable'),
    'postgres://fk@h/fk?sslmode=disable',
  );
  assert.equal(
    redact('postgres://fk@h/fk?sslmode=require&PassWord=s3cret'),
    'postgres://fk@h/fk?sslmode=require',
  );
  assert.equal(redact('postgres://fk@h/fk?sslpassword=s3cret'), 'postgres://fk@h/fk');
  assert.equal(redact('postgres://fk:p%40ss@h/fk'), 'postgres://fk@h/fk');
  assert.equal(redact('postgres://fk@h/fk'), 'postgres://fk@h/fk');
  // Not parsable: a password with '@' and '/', a bad port.
  assert.equal(redact('postgres://fk:a/b@c@h:99999/fk?password=x&a=1'), 'postgres://fk@h:99999/fk?a=1');
  for (const s of ['postgres://u:s3cret@h:0x/d', 'postgres://u@h:bad/d?password=s3cret']) {
    assert.ok(!redact(s).includes('s3cret'), redact(s));
  }
});

test('scrubSecrets removes the password from any text, raw or %-decoded', () => {
  const url = 'postgres://fk:p%40ss@h/fk?password=other';
  const msg = `failed for ${url}: auth p@ss rejected, other too`;
  const out = scrubSecrets(msg, url);
  assert.ok(!out.includes('p@ss') && !out.includes('p%40ss') && !out.includes('other'), out);
  assert.match(out, /postgres:\/\/fk@h\/fk/);
  assert.equal(scrubSecrets('no secrets here', 'postgres://fk@h/fk'), 'no secrets here');
});

test('describeTarget and staticRootFor', () => {
  const pg = parseDbTarget('postgres://fk:s3cret@h/fk', o);
  assert.equal(describeTarget(pg), 'PostgreSQL postgres://fk@h/fk');
  assert.equal(staticRootFor(pg), '/srv/fk/data/static');
  const own = parseDbTarget('postgres', o);
  assert.match(describeTarget(own), /own cluster in \/srv\/fk\/data\/pg/);
  assert.equal(staticRootFor(own), '/srv/fk/data/static');
  const file = parseDbTarget('/d/x.db', o);
  assert.equal(describeTarget(file), 'SQLite /d/x.db');
  assert.equal(staticRootFor(file), '/d/static');
});
