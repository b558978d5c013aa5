import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../../../src/clients/net/reply-decoder.js';
import { parseRedisUrl } from '../../../src/clients/redis/client.js';
import { decodeReply, encodeCommand } from '../../../src/clients/redis/resp.js';
import { FkError } from '../../../src/errors.js';

const b = (s: string) => Buffer.from(s, 'latin1');

test('commands are arrays of bulk strings, binary-safe, lengths in bytes', () => {
  const wire = Buffer.concat(encodeCommand(['SET', 'ключ', Buffer.from([0, 13, 10]), 'PX', 500]));
  const expected = Buffer.concat([
    b('*5\r\n$3\r\nSET\r\n'),
    Buffer.from('$8\r\nключ\r\n', 'utf8'),
    b('$3\r\n'),
    Buffer.from([0, 13, 10]),
    b('\r\n$2\r\nPX\r\n$3\r\n500\r\n'),
  ]);
  assert.deepEqual(wire, expected);
});

test('every reply type, decoded from any prefix only once complete', () => {
  const cases: Array<[string, unknown]> = [
    ['+OK\r\n', 'OK'],
    [':-42\r\n', -42],
    ['$-1\r\n', null],
    ['$5\r\na\r\nb\n\r\n', b('a\r\nb\n')],
    ['$0\r\n\r\n', b('')],
    ['*-1\r\n', null],
    ['*3\r\n:1\r\n$1\r\nx\r\n*1\r\n+y\r\n', [1, b('x'), ['y']]],
  ];
  for (const [wire, value] of cases) {
    const buf = b(wire);
    for (let n = 0; n < buf.length; n++)
      assert.ok('need' in decodeReply(buf.subarray(0, n), 0), `${wire} @${n}`);
    assert.deepEqual(decodeReply(buf, 0), { value, end: buf.length }, JSON.stringify(wire));
  }
});

test('an error reply rejects only its command', () => {
  const r = decodeReply(b('-ERR unknown command\r\n+PONG\r\n'), 0);
  assert.ok('error' in r && r.error instanceof FkError);
  assert.equal(r.error.message, 'redis answered: ERR unknown command');
  assert.equal(r.end, 22);
});

test('garbage is a ProtocolError, never a hang or a crash', () => {
  for (const junk of ['HTTP/1.1 200 OK\r\n', '$abc\r\n', '$5\r\nabcdefg', '*99999999999\r\n', ':1.5\r\n']) {
    assert.throws(() => decodeReply(b(junk), 0), ProtocolError, junk);
  }
  assert.throws(() => decodeReply(Buffer.alloc(70_000, 0x2b), 0), ProtocolError, 'no line end');
});

test('redis URLs: host, port, db and credentials', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6400'), { host: '127.0.0.1', port: 6400, db: 0 });
  assert.deepEqual(parseRedisUrl('redis://:s%40cret@h/3'), {
    host: 'h',
    port: 6379,
    db: 3,
    password: 's@cret',
  });
  assert.deepEqual(parseRedisUrl('redis://u:p@[::1]:7000'), {
    host: '::1',
    port: 7000,
    db: 0,
    username: 'u',
    password: 'p',
  });
  for (const bad of ['127.0.0.1:6379', 'http://h', 'rediss://h', 'redis://h/x']) {
    assert.throws(
      () => parseRedisUrl(bad),
      (e: unknown) => e instanceof FkError && e.code === 'E_USAGE',
      bad,
    );
  }
});
