import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { type NginxConfSpec, renderNginxConf } from '../../../src/stages/common/nginx-conf.js';
import { memcachedOnlySite, memcachedSite } from '../../../src/stages/memcached/index.js';
import { proxySite } from '../../../src/stages/nginx/index.js';

// The inputs of test/unit/stages/nginx-conf.test.ts, plus --protect; UPDATE_GOLDEN=1 rewrites the files.
const GOLDEN = new URL('../../fixtures/golden/', import.meta.url);
const spec: NginxConfSpec = {
  runDir: '/tmp/fk-run',
  listenHost: '127.0.0.1',
  listenPort: 8080,
  appPorts: [9001, 9002],
  memcachedServers: ['127.0.0.1:11311'],
  staticRoot: '/srv/fk/static/',
  workerProcesses: 1,
  user: 'root',
};
const protect = { maxInFlightPerApp: 16 };

for (const site of [memcachedSite, proxySite]) {
  test(`nginx.conf for ${site.variant} with --protect equals its golden file`, () => {
    const file = new URL(`nginx-${site.variant}-protect.conf`, GOLDEN);
    const actual = renderNginxConf(site, { ...spec, protect });
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
    assert.equal(actual, readFileSync(file, 'utf8'));
  });
}

test('--protect only adds lines: without it the config is the one the other golden files hold', () => {
  const plain = renderNginxConf(memcachedSite, spec).split('\n');
  const guarded = renderNginxConf(memcachedSite, { ...spec, protect }).split('\n');
  // Every line of the plain config is in the protected one, in the same order.
  let i = 0;
  for (const line of guarded) if (line === plain[i]) i += 1;
  assert.equal(i, plain.length);
  assert.equal(
    renderNginxConf(memcachedSite, spec),
    readFileSync(new URL('nginx-memcached.conf', GOLDEN), 'utf8'),
  );
});

test('the bound: dynamic GET/HEAD only, 16 per app process, a fast 503 with Retry-After past it', () => {
  const conf = renderNginxConf(memcachedSite, { ...spec, protect });
  assert.match(conf, /limit_conn fk_protect 32;/);
  assert.match(conf, /limit_conn_status 503;/);
  assert.match(conf, /"~\^\(GET\|HEAD\) \/static\/" "";/);
  assert.match(conf, /"~\^\(GET\|HEAD\) " app;/);
  // POST (a login) has the empty key: limit_conn does not count it.
  assert.match(conf, /default "";/);
  const overloaded = conf.slice(conf.indexOf('location @overloaded'));
  assert.match(overloaded, /add_header Retry-After 1 always;/);
  assert.match(overloaded, /return 503 "Overloaded: too many requests in flight; retry in a second\.\\n";/);
  // Nothing queues at nginx: no upstream queue (NGINX Plus only), no max_conns.
  assert.doesNotMatch(conf, /\bqueue\b|max_conns/);
});

test('a site with no app processes has nothing to protect', () => {
  const only = { ...spec, appPorts: [] };
  assert.equal(
    renderNginxConf(memcachedOnlySite, { ...only, protect }),
    renderNginxConf(memcachedOnlySite, only),
  );
});
