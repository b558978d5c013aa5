import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyProblem, nginxMemcachedKey } from '../../../src/clients/memcached/key.js';

// nginx src/core/ngx_string.c, ngx_escape_uri's NGX_ESCAPE_MEMCACHED table: `" ", "%", %00-%1F`.
const NGINX_MEMCACHED_TABLE = [0xffffffff, 0x00000021, 0, 0, 0, 0, 0, 0];
const escapedByNginx = (byte: number) => (NGINX_MEMCACHED_TABLE[byte >> 5]! & (1 << (byte & 0x1f))) !== 0;

test('nginxMemcachedKey escapes exactly the bytes of nginx’s memcached table, in upper-case hex', () => {
  for (let b = 0; b < 0x80; b++) {
    const ch = String.fromCharCode(b);
    const expected = escapedByNginx(b) ? '%' + b.toString(16).toUpperCase().padStart(2, '0') : ch;
    assert.equal(nginxMemcachedKey(`/static/${ch}`), `/static/${expected}`, `byte 0x${b.toString(16)}`);
  }
});

test('nginxMemcachedKey leaves UTF-8 (bytes >= 0x80) and DEL raw, keeps the rest of the path', () => {
  assert.equal(nginxMemcachedKey('/static/thumbs/0001.png'), '/static/thumbs/0001.png');
  assert.equal(nginxMemcachedKey('/static/a b%c.css'), '/static/a%20b%25c.css');
  assert.equal(nginxMemcachedKey('/static/café 東京.png'), '/static/café%20東京.png');
  assert.equal(nginxMemcachedKey('/static/\x7f\t\r\n'), '/static/\x7f%09%0D%0A');
  assert.equal(nginxMemcachedKey('/static/100%'), '/static/100%25');
  assert.equal(nginxMemcachedKey('/static/?#&+=;\'"<>'), '/static/?#&+=;\'"<>');
});

test('every key nginxMemcachedKey makes from a short path is a valid memcached key', () => {
  let all = '/static/';
  for (let b = 0; b < 0x80; b++) all += String.fromCharCode(b);
  assert.equal(keyProblem(nginxMemcachedKey(all)), undefined);
});

test('keyProblem: empty, whitespace, control characters and > 250 UTF-8 bytes are refused', () => {
  assert.equal(keyProblem('fk:sess:0123'), undefined);
  assert.equal(keyProblem('x'.repeat(250)), undefined);
  assert.match(keyProblem('x'.repeat(251))!, /251 bytes/);
  // 84 three-byte characters = 252 bytes, though only 84 UTF-16 units.
  assert.match(keyProblem('東'.repeat(84))!, /252 bytes/);
  assert.match(keyProblem('')!, /empty/);
  for (const bad of ['a b', 'a\r\nflush_all', 'a\tb', 'a\0b', '\x1f'])
    assert.ok(keyProblem(bad), JSON.stringify(bad));
  assert.equal(
    keyProblem('a\x7fb'),
    undefined,
    'DEL passes: nginx sends it raw and memcached splits only on space',
  );
});
