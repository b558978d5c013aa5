import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { type NginxConfSpec, renderNginxConf } from '../../../src/stages/common/nginx-conf.js';
import { NGINX_SITES, siteNamed, type Variant } from '../../helpers/nginx-sites.js';

// Fixed inputs so the output is byte-for-byte stable; UPDATE_GOLDEN=1 rewrites the files.
const RUN_DIR = '/tmp/fk-run';
const GOLDEN = new URL('../../fixtures/golden/', import.meta.url);
const render = (variant: Variant) => renderNginxConf(siteNamed(variant), spec(variant));

function spec(variant: Variant, runDir = RUN_DIR): NginxConfSpec {
  return {
    runDir,
    listenHost: '127.0.0.1',
    listenPort: 8080,
    appPorts: variant === 'memcached-only' ? [] : [9001, 9002],
    memcachedServers: ['127.0.0.1:11311'],
    staticRoot: '/srv/fk/static/',
    workerProcesses: 1,
    user: 'root',
  };
}

const VARIANTS = NGINX_SITES.map((s) => s.variant);

for (const variant of VARIANTS) {
  test(`nginx.conf for ${variant} equals its golden file`, () => {
    const file = new URL(`nginx-${variant}.conf`, GOLDEN);
    const actual = render(variant);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
    assert.equal(actual, readFileSync(file, 'utf8'));
  });
}

test('every variant keeps its run inside the run directory and never daemonizes', () => {
  for (const variant of VARIANTS) {
    const conf = render(variant);
    assert.match(conf, /^daemon off;$/m);
    assert.match(conf, /^pid \/tmp\/fk-run\/nginx\.pid;$/m);
    for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
      assert.match(conf, new RegExp(`${t}_temp_path /tmp/fk-run/${t}_temp;`));
    assert.doesNotMatch(conf, /\/etc\/nginx|\/var\/(log|lib)\/nginx/);
  }
});

test('POST is never retried on another worker; keepalive upstreams speak HTTP/1.1', () => {
  const conf = render('proxy');
  assert.match(conf, /proxy_next_upstream error timeout http_502 http_504;/);
  assert.doesNotMatch(conf, /non_idempotent/);
  assert.match(conf, /proxy_http_version 1\.1;/);
  assert.match(conf, /proxy_set_header Connection "";/);
  assert.match(conf, /server 127\.0\.0\.1:9001 [^\n]*\n\s+server 127\.0\.0\.1:9002 /);
});

test('proxy-cache never stores or serves a request carrying the session cookie', () => {
  const conf = render('proxy-cache');
  const root = conf.slice(conf.indexOf('location / {'));
  assert.match(root, /proxy_cache_bypass \$cookie_fk_session;/);
  assert.match(root, /proxy_no_cache \$cookie_fk_session;/);
  // Set-Cookie responses stay uncacheable: it must never appear in proxy_ignore_headers.
  assert.doesNotMatch(conf, /proxy_ignore_headers[^;]*Set-Cookie/);
});

test('a variant missing what it needs is refused', () => {
  assert.throws(
    () => renderNginxConf(siteNamed('memcached'), { ...spec('memcached'), memcachedServers: undefined }),
    /memcached address/,
  );
  assert.throws(
    () => renderNginxConf(siteNamed('static'), { ...spec('static'), staticRoot: undefined }),
    /static root/,
  );
  assert.throws(
    () => renderNginxConf(siteNamed('proxy'), { ...spec('proxy'), appPorts: [] }),
    /no app ports/,
  );
  assert.throws(
    () => renderNginxConf(siteNamed('proxy'), { ...spec('proxy'), listenPort: 70000 }),
    /bad port/,
  );
});
