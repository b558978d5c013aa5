import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVersion } from '../../../src/ladder/machine-info.js';

test("parseVersion reads each server's own version banner", () => {
  assert.equal(parseVersion('\nnginx version: nginx/1.22.1\n', /nginx\/(\S+)/), '1.22.1');
  assert.equal(parseVersion('memcached 1.6.18\n', /memcached (\S+)/), '1.6.18');
  assert.equal(
    parseVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1', /v=(\S+)/),
    '7.0.15',
  );
  assert.equal(
    parseVersion('lighttpd/1.4.69 (ssl) - a light and fast webserver', /lighttpd\/(\S+)/),
    '1.4.69',
  );
  assert.equal(parseVersion('', /x(\d)/), undefined);
});
