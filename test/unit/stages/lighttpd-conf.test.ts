import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type LighttpdConfParams, renderLighttpdConf } from '../../../src/stages/cgi/lighttpd-conf.js';

const GOLDEN = fileURLToPath(new URL('../../fixtures/golden/lighttpd.conf', import.meta.url));

const PARAMS: LighttpdConfParams = {
  runDir: '/tmp/fk-cgi-run',
  host: '127.0.0.1',
  port: 8101,
  scriptPath: '/opt/flickr-killr/dist/cli/cgi-script.js',
  nodePath: '/usr/bin/node',
  db: '/srv/data/flickr-killr.db',
  staticRoot: '/srv/data/static',
};

// Config as data, compared by equality (Kamal's way). UPDATE_GOLDEN=1 rewrites the file; review the diff.
test('lighttpd.conf matches the golden file', () => {
  const rendered = renderLighttpdConf(PARAMS);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, rendered);
  assert.equal(rendered, readFileSync(GOLDEN, 'utf8'));
});

test('the conf holds what the stage relies on', () => {
  const conf = renderLighttpdConf(PARAMS);
  assert.match(conf, /^server\.bind = "127\.0\.0\.1"$/m);
  assert.match(conf, /^server\.port = 8101$/m);
  // everything the server writes lives in the run directory, never /etc or /var
  for (const m of conf.matchAll(/^server\.(?:pid-file|errorlog) = "([^"]+)"$/gm))
    assert.ok(m[1]!.startsWith('/tmp/fk-cgi-run/'), m[1]);
  assert.match(conf, /^server\.upload-dirs = \( "\/tmp\/fk-cgi-run\/upload" \)$/m);
  assert.match(conf, /^server\.max-request-size = 4$/m, 'bodies bounded like REQUEST_LIMITS (4 KiB)');
  assert.match(conf, /^alias\.url = \( "\/static\/" => "\/srv\/data\/static\/" \)$/m);
  assert.match(conf, /"FK_DB" => "\/srv\/data\/flickr-killr\.db"/);
  assert.match(conf, /cgi\.assign = \( "\/cgi-script\.js" => "\/usr\/bin\/node" \)/);
  assert.match(conf, /"\.css" => "text\/css; charset=utf-8"/);
});

test('the rewrite sends everything but plain /static/ names to the script', () => {
  const conf = renderLighttpdConf(PARAMS);
  const m = /^url\.rewrite-once = \( "(.+)" => "\/cgi-script\.js\$1" \)$/m.exec(conf);
  assert.ok(m, 'rewrite rule present');
  // lighttpd uses PCRE2; this pattern is also valid JavaScript, so its routing can be checked here.
  const re = new RegExp(m[1]!);
  for (const url of [
    '/',
    '/users/1',
    '/login',
    '/static/',
    '/static/a%20b.css',
    '/static/%FF.css',
    '/staticx/a.css',
  ])
    assert.ok(re.test(url), `${url} should go to the script`);
  for (const url of ['/static/site.css', '/static/thumbs/t0042.png', '/static/site.css?v=3'])
    assert.ok(!re.test(url), `${url} should be served from disk`);
});

test('paths that cannot be written into a lighttpd string are refused', () => {
  for (const bad of ['relative/db', '/tmp/a"b', '/tmp/a\\b', '/tmp/a\nb', '/tmp/$x'])
    assert.throws(() => renderLighttpdConf({ ...PARAMS, db: bad }), { code: 'E_USAGE' }, bad);
  assert.throws(() => renderLighttpdConf({ ...PARAMS, port: 0 }), { code: 'E_USAGE' });
  assert.throws(() => renderLighttpdConf({ ...PARAMS, host: 'localhost' }), { code: 'E_USAGE' });
});
