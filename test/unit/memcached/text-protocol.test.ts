import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeGet,
  decodeStorage,
  decodeVersion,
  decodeWord,
  encodeStorage,
} from '../../../src/clients/memcached/text-protocol.js';
import type { Decoded } from '../../../src/clients/net/reply-decoder.js';
import { ProtocolError } from '../../../src/clients/net/reply-decoder.js';
import { FkError } from '../../../src/errors.js';

const b = (s: string) => Buffer.from(s, 'latin1');

/** Feeds every prefix of `wire` and checks the decoder asks for more until the whole reply is there. */
function decodeByPrefixes<T>(
  decode: (buf: Buffer, start: number) => Decoded<T>,
  wire: Buffer,
  start = 0,
): Decoded<T> {
  for (let n = start; n < wire.length; n++) {
    const r = decode(wire.subarray(0, n), start);
    assert.ok('need' in r, `complete after only ${n} of ${wire.length} bytes`);
    assert.ok(r.need > n - start, 'need asks for more than it has');
  }
  return decode(wire, start);
}

test('set encodes header, binary data block and CRLF', () => {
  const value = Buffer.from([0, 13, 10, 255]);
  const parts = encodeStorage('set', 'k', value, 1024, 60);
  assert.deepEqual(Buffer.concat(parts), Buffer.concat([b('set k 1024 60 4\r\n'), value, b('\r\n')]));
  assert.equal(
    Buffer.concat(encodeStorage('cas', 'k', b('x'), 0, 0, 99n)).toString(),
    'cas k 0 0 1 99\r\nx\r\n',
  );
});

test('get reply: a value holding CRLF and END bytes is read by its length, from any offset', () => {
  const data = b('a\r\nEND\r\nb');
  const wire = Buffer.concat([b('XX'), b(`VALUE k 7 ${data.length} 12\r\n`), data, b('\r\nEND\r\n')]);
  const r = decodeByPrefixes(decodeGet, wire, 2);
  assert.ok('value' in r && r.value !== undefined);
  assert.deepEqual(r.value.value, data);
  assert.equal(r.value.flags, 7);
  assert.equal(r.value.cas, 12n);
  assert.equal(r.end, wire.length);
  const miss = decodeGet(b('END\r\n'), 0);
  assert.deepEqual(miss, { value: undefined, end: 5 });
});

test('get reply: a large value announces how many bytes it needs (no re-parse per chunk)', () => {
  const r = decodeGet(b('VALUE k 0 1000000\r\nabc'), 0);
  assert.ok('need' in r);
  assert.equal(r.need, 'VALUE k 0 1000000\r\n'.length + 1_000_000 + 2 + 5);
});

test('replies that cannot be memcached throw ProtocolError; error lines are command errors', () => {
  assert.throws(() => decodeGet(b('HTTP/1.1 400 Bad Request\r\n'), 0), ProtocolError);
  assert.throws(() => decodeGet(b('VALUE k 0 1\r\nxy\r\nEND\r\n'), 0), ProtocolError, 'length mismatch');
  assert.throws(() => decodeGet(b('VALUE k 0 1\r\nx\r\nENDX\r\n'), 0), ProtocolError);
  assert.throws(() => decodeGet(Buffer.alloc(9000, 0x41), 0), ProtocolError, 'no line end');
  assert.throws(() => decodeStorage(b('CLIENT_ERROR bad data chunk\r\n'), 0), ProtocolError, 'desync risk');
  assert.throws(() => decodeWord('DELETED', 'NOT_FOUND')(b('STORED\r\n'), 0), ProtocolError);
  const e = decodeGet(b('SERVER_ERROR busy\r\n'), 0);
  assert.ok('error' in e && e.error instanceof FkError && e.error.code === 'E_BACKEND_PROTOCOL');
});

test('storage replies, including the two SERVER_ERRORs after which memcached swallowed the data', () => {
  for (const w of ['STORED', 'NOT_STORED', 'EXISTS', 'NOT_FOUND'] as const) {
    assert.deepEqual(decodeStorage(b(`${w}\r\n`), 0), { value: w, end: w.length + 2 });
  }
  assert.equal(
    (decodeStorage(b('SERVER_ERROR object too large for cache\r\n'), 0) as { value: string }).value,
    'TOO_LARGE',
  );
  assert.equal(
    (decodeStorage(b('SERVER_ERROR out of memory storing object\r\n'), 0) as { value: string }).value,
    'OUT_OF_MEMORY',
  );
  assert.deepEqual(decodeVersion(b('VERSION 1.6.18\r\n'), 0), { value: '1.6.18', end: 16 });
  assert.deepEqual(decodeWord('TOUCHED', 'NOT_FOUND')(b('NOT_FOUND\r\n'), 0), { value: false, end: 11 });
});
