import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { type NginxConfSpec, renderNginxConf } from '../../../src/stages/common/nginx-conf.js';
import { memcachedOnlySite, memcachedSite } from '../../../src/stages/memcached/index.js';

// The memcached upstream with several servers. One server keeps the golden files of
// test/unit/stages/nginx-conf.test.ts byte for byte; two get their own. UPDATE_GOLDEN=1 rewrites it.
const GOLDEN = new URL('../../fixtures/golden/nginx-memcached-two-servers.conf', import.meta.url);
const TWO = ['127.0.0.1:11311', '127.0.0.1:11312'];

function spec(memcachedServers: string[]): NginxConfSpec {
  return {
    runDir: '/tmp/fk-run',
    listenHost: '127.0.0.1',
    listenPort: 8080,
    appPorts: [9001, 9002],
    memcachedServers,
    staticRoot: '/srv/fk/static/',
    workerProcesses: 1,
    user: 'root',
  };
}

const upstreamOf = (conf: string) => {
  const m = /\n {2}upstream memcached \{\n([\s\S]*?)\n {2}\}\n/.exec(conf);
  assert.ok(m, 'an upstream memcached block');
  return m[1]!.split('\n').filter((l) => !l.trim().startsWith('#'));
};

test('nginx.conf for memcached with two servers equals its golden file', () => {
  const actual = renderNginxConf(memcachedSite, spec(TWO));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, actual);
  assert.equal(actual, readFileSync(GOLDEN, 'utf8'));
});

test('two or more servers: hash $uri consistent first, every server in the given order, keepalive last', () => {
  for (const site of [memcachedSite, memcachedOnlySite]) {
    const three = [...TWO, '127.0.0.1:11313'];
    assert.deepEqual(upstreamOf(renderNginxConf(site, spec(three))), [
      // Before keepalive, which wraps the balancer defined before it (nginx-conf.ts).
      '    hash $uri consistent;',
      ...three.map((s) => `    server ${s} max_fails=0;`),
      '    keepalive 32;',
    ]);
  }
});

test('one server: no hash directive, as before there were several', () => {
  assert.deepEqual(upstreamOf(renderNginxConf(memcachedSite, spec(['127.0.0.1:11311']))), [
    '    server 127.0.0.1:11311 max_fails=0;',
    '    keepalive 32;',
  ]);
});

test('server lists the app ring would not take, or nginx would misread, are refused', () => {
  assert.throws(() => renderNginxConf(memcachedSite, spec([])), /no memcached address/);
  assert.throws(() => renderNginxConf(memcachedSite, spec([TWO[0]!, TWO[0]!])), /listed twice/);
  for (const bad of ['127.0.0.1:1; }', 'a b:1', '"x":1', ''])
    assert.throws(() => renderNginxConf(memcachedSite, spec([bad])), /memcached/, bad);
});
