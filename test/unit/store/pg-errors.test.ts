import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreTimeoutError, StoreUnavailableError } from '../../../src/store/photo-store.js';
import { copyField, copyRow } from '../../../src/store/postgres/copy-text.js';
import { isConnectionFailure, toStoreError } from '../../../src/store/postgres/pg-errors.js';

const URL_WITH_SECRET = 'postgres://fk:s3cret@127.0.0.1:5999/fk?password=s3cret2';

/** Errors shaped as Node and postgres.js make them (fakes of the driver's objects, not mocks). */
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5999`), { code });
const serverError = (code: string, message: string) =>
  Object.assign(new Error(message), { code, severity: 'FATAL', name: 'PostgresError' });

test('connection failures become StoreUnavailableError (E_DB_UNREACHABLE), without the password', () => {
  for (const e of [
    socketError('ECONNREFUSED'),
    socketError('ECONNRESET'),
    socketError('ENOTFOUND'),
    Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5999'), { code: 'CONNECTION_CLOSED' }),
    Object.assign(new Error('write CONNECT_TIMEOUT 127.0.0.1:5999'), { code: 'CONNECT_TIMEOUT' }),
    Object.assign(new Error('write CONNECTION_ENDED 127.0.0.1:5999'), { code: 'CONNECTION_ENDED' }),
    serverError('57P01', 'terminating connection due to administrator command'),
    serverError('57P03', 'the database system is starting up'),
    serverError('08006', 'connection failure'),
    serverError('53300', 'sorry, too many clients already'),
    serverError('28P01', 'password authentication failed for user "fk" (s3cret)'),
    serverError('3D000', 'database "nope" does not exist'),
  ]) {
    assert.equal(isConnectionFailure(e), true, e.message);
    const out = toStoreError(e, URL_WITH_SECRET);
    assert.ok(out instanceof StoreUnavailableError, e.message);
    assert.equal(out.code, 'E_DB_UNREACHABLE');
    assert.equal(out.cause, e);
    assert.ok(
      out.message.startsWith('PostgreSQL at postgres://fk@127.0.0.1:5999/fk is unavailable: '),
      out.message,
    );
    assert.ok(!out.message.includes('s3cret'), out.message);
    assert.ok(!out.message.includes('\n'), 'one line');
  }
  const first = toStoreError(socketError('ECONNREFUSED'), URL_WITH_SECRET, { connecting: true }) as Error;
  assert.equal(
    first.message,
    'cannot connect to PostgreSQL at postgres://fk@127.0.0.1:5999/fk: connect ECONNREFUSED 127.0.0.1:5999',
  );
});

test('statement_timeout (57014) becomes StoreTimeoutError (E_DB_TIMEOUT) naming the limit', () => {
  const e = serverError('57014', 'canceling statement due to statement timeout');
  const out = toStoreError(e, URL_WITH_SECRET, { statementTimeoutMs: 50 });
  assert.ok(out instanceof StoreTimeoutError);
  assert.equal(out.code, 'E_DB_TIMEOUT');
  assert.match(
    out.message,
    /past statement_timeout \(50 ms\) on PostgreSQL at postgres:\/\/fk@127\.0\.0\.1:5999\/fk/,
  );
});

test('anything else is left alone (a bug is a 500, not a 503)', () => {
  for (const e of [
    serverError('42601', 'syntax error at or near "SELEC"'),
    serverError('22003', 'integer out of range'),
    new TypeError('x is not a function'),
    socketError('EWHATEVER'),
  ]) {
    assert.equal(toStoreError(e, URL_WITH_SECRET), e);
  }
  assert.equal(toStoreError('a string', URL_WITH_SECRET), 'a string');
});

test('COPY text format: tab, newline, CR and backslash are escaped; the rest is verbatim', () => {
  assert.equal(copyField('plain <b>&"\'</b> 東京 🎉'), 'plain <b>&"\'</b> 東京 🎉');
  assert.equal(copyField('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
  assert.equal(copyRow([1, 'x\ty', 'z']), '1\tx\\ty\tz\n');
  assert.equal(copyRow([]), '\n');
});
