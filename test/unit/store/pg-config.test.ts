import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_SHARED_BUFFERS_MB,
  renderPgHba,
  renderPostgresConf,
} from '../../../src/store/postgres/pg-config.js';

const golden = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('postgresql.conf of the own cluster matches its golden file', () => {
  const conf = renderPostgresConf({
    port: 54329,
    socketDir: '/srv/fk/data/pg',
    sharedBuffersMb: DEFAULT_SHARED_BUFFERS_MB,
    maxConnections: DEFAULT_MAX_CONNECTIONS,
  });
  assert.equal(conf, golden('postgresql.conf'));
});

test('the settings this use depends on', () => {
  const conf = renderPostgresConf({ port: 5999, socketDir: '', sharedBuffersMb: 64, maxConnections: 30 });
  const setting = (k: string) => new RegExp(`^${k} = ([^#\\n]*?)\\s*(#|$)`, 'm').exec(conf)?.[1];
  assert.equal(setting('listen_addresses'), "'127.0.0.1'");
  assert.equal(setting('port'), '5999');
  assert.equal(setting('unix_socket_directories'), "''");
  assert.equal(setting('shared_buffers'), '64MB');
  assert.equal(setting('max_connections'), '30');
  assert.equal(setting('synchronous_commit'), 'off');
  assert.equal(setting('fsync'), 'on');
  assert.equal(setting('wal_level'), 'minimal');
  assert.equal(setting('max_wal_senders'), '0');
  assert.equal(setting('max_parallel_workers_per_gather'), '0');
  // A quote in a path cannot end the string early.
  assert.match(
    renderPostgresConf({ port: 1, socketDir: "/a'b", sharedBuffersMb: 1, maxConnections: 1 }),
    /= '\/a''b'/,
  );
});

test('pg_hba.conf: trust only on loopback and our own socket', () => {
  assert.equal(renderPgHba(), golden('pg_hba.conf'));
  const rules = renderPgHba()
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  assert.deepEqual(
    rules.map((l) => l.split(/\s+/)),
    [
      ['local', 'all', 'all', 'trust'],
      ['host', 'all', 'all', '127.0.0.1/32', 'trust'],
    ],
  );
});
