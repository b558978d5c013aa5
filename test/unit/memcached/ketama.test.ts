import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConsistentHashRing,
  firstPointAtOrAbove,
  serverPoints,
  splitServerName,
} from '../../../src/clients/memcached/ketama.js';
import { CRC32_INIT, crc32, crc32Final, crc32Update } from '../../../src/clients/net/crc32.js';
import { isFkError } from '../../../src/errors.js';

/*
 * The vectors below were not produced by the code under test. They come from the algorithm as
 * nginx 1.22.1 writes it (ngx_http_upstream_hash_module.c, see ketama.ts), re-implemented apart in
 * a few lines of Python on zlib.crc32, the standard CRC-32 nginx's table computes:
 *   point j of "HOST:PORT" = zlib.crc32(HOST + b"\0" + PORT + struct.pack("<I", point j-1)), point -1 = 0
 *   ring = sorted distinct points; server = ring[first index with point >= zlib.crc32(key) mod len]
 * and they are checked against real nginx in test/system/memcached-ring.test.ts.
 */
const A = '127.0.0.1:11211';
const B = '127.0.0.1:11212';

test('crc32 is the standard CRC-32 (check value of "123456789"), also fed in pieces', () => {
  assert.equal(crc32('123456789'), 0xcbf43926);
  assert.equal(crc32(''), 0);
  const pieces = crc32Final(crc32Update(crc32Update(CRC32_INIT, Buffer.from('1234')), Buffer.from('56789')));
  assert.equal(pieces, 0xcbf43926);
  // Strings are hashed as their UTF-8 bytes, as nginx sees $uri.
  assert.equal(crc32('café'), crc32(Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9])));
});

test('a server name is split as nginx splits it: digits after the last colon are the port', () => {
  const split = (s: string) => {
    const { host, port } = splitServerName(s);
    return [host.toString(), port.toString()];
  };
  assert.deepEqual(split('127.0.0.1:11211'), ['127.0.0.1', '11211']);
  assert.deepEqual(split('[::1]:11211'), ['[::1]', '11211']);
  assert.deepEqual(split('cache'), ['cache', '']);
  assert.deepEqual(split('cache:x1'), ['cache:x1', ''], 'a non-digit before the colon: no port');
  assert.deepEqual(split('unix:/tmp/mc.sock'), ['/tmp/mc.sock', '']);
  assert.deepEqual(split('UNIX:/tmp/mc.sock'), ['/tmp/mc.sock', ''], 'ngx_strncasecmp');
});

test("a server's points: crc32(HOST \\0 PORT prev_hash), prev_hash little-endian, 160 of them", () => {
  const pts = serverPoints(A);
  assert.equal(pts.length, 160);
  assert.deepEqual(pts.slice(0, 3), [2847103539, 1256472621, 661274230]);
  assert.equal(new Set(pts).size, 160);
  // The NUL byte is hashed even without a port; prev_hash starts at 0.
  assert.equal(serverPoints('cache')[0], 742816209);
  assert.equal(serverPoints('cache:x1')[0], 384083410);
  assert.equal(serverPoints('unix:/tmp/mc.sock')[0], 3693043516);
  assert.equal(serverPoints('[::1]:11211')[0], 3815360626);
});

test('the ring of two servers: 320 sorted points, lowest and highest as derived', () => {
  const ring = new ConsistentHashRing([A, B]);
  assert.equal(ring.points, 320);
  const all = [...serverPoints(A), ...serverPoints(B)].sort((x, y) => x - y);
  assert.equal(all[0], 3257381); // A's
  assert.equal(all[319], 4271011221); // B's
});

test('serverFor: the first point at or above crc32(key); above the last point it wraps to the first', () => {
  const ring = new ConsistentHashRing([A, B]);
  const vectors: Array<[string, number, string]> = [
    ['/static/site.css', 0x1356b71d, B],
    ['/static/a b%.css', 0x7127082e, A],
    ['/static/café 東京.png', 0xd658c381, A],
    ['/static/thumbs/1.png', 0xb65276e8, A],
    // Below the lowest point (3257381, A's): index 0.
    ['/static/low-1134.css', 0x000553fe, A],
    // Above the highest point (4271011221, B's): index 320, which wraps to point 0 (A's), not B.
    ['/static/wrap-290.css', 0xffa77f11, A],
    ['/static/wrap-416.css', 0xff643de6, A],
  ];
  for (const [key, hash, server] of vectors) {
    assert.equal(crc32(key), hash, key);
    assert.equal(ring.serverFor(key), server, key);
  }
});

test('three servers: serverFor and the order nginx tries the others when one fails', () => {
  const S = ['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211'];
  const ring = new ConsistentHashRing(S);
  const [s1, s2, s3] = S as [string, string, string];
  const vectors: Array<[string, string[]]> = [
    ['/static/site.css', [s1, s2, s3]],
    ['/static/a b%.css', [s2, s3, s1]],
    ['/static/café 東京.png', [s1, s3, s2]],
    ['/static/thumbs/1.png', [s3, s1, s2]],
    ['fk:sess:0123456789abcdef0123456789abcdef', [s1, s3, s2]],
  ];
  for (const [key, order] of vectors) {
    assert.equal(ring.serverFor(key), order[0], key);
    assert.deepEqual(ring.tryOrder(key), order, key);
  }
  // The list's order does not change the ring: points depend only on the names.
  const shuffled = new ConsistentHashRing([s3, s1, s2]);
  for (const [key, order] of vectors) assert.deepEqual(shuffled.tryOrder(key), order, key);
});

test('one server: every key is its, without hashing (nginx skips the ring for a single peer)', () => {
  const ring = new ConsistentHashRing([A]);
  for (const key of ['/static/site.css', '/static/wrap-290.css', 'x']) assert.equal(ring.serverFor(key), A);
  assert.deepEqual(ring.tryOrder('/static/site.css'), [A]);
});

test('the binary search returns the first point >= hash, or the length past the last', () => {
  const hashes = [10, 20, 30];
  assert.deepEqual(
    [0, 5, 10, 11, 20, 29, 30, 31, 0xffffffff].map((h) => firstPointAtOrAbove(hashes, h)),
    [0, 0, 0, 1, 1, 2, 2, 3, 3],
  );
  assert.equal(firstPointAtOrAbove([], 7), 0);
});

test('consistent: a third server takes keys only for itself; the rest stay where they were', () => {
  const two = new ConsistentHashRing([A, B]);
  const C = '127.0.0.1:11213';
  const three = new ConsistentHashRing([A, B, C]);
  const counts = new Map<string, number>();
  let moved = 0;
  for (let i = 0; i < 30_000; i++) {
    const key = `/static/thumbs/${i}.png`;
    const now = three.serverFor(key);
    counts.set(now, (counts.get(now) ?? 0) + 1);
    if (now !== two.serverFor(key)) {
      moved++;
      assert.equal(now, C, key);
    }
  }
  // 160 points each: every server near a third of the keys, and about a third moved.
  for (const [server, n] of counts) assert.ok(n > 7_000 && n < 13_000, `${server}: ${n} of 30000`);
  assert.ok(moved > 7_000 && moved < 13_000, `moved ${moved}`);
});

test('a ring refuses no servers, a server listed twice, a name with whitespace, and an empty key', () => {
  const code = (e: unknown) => (isFkError(e) ? e.code : String(e));
  assert.throws(
    () => new ConsistentHashRing([]),
    (e) => code(e) === 'E_USAGE',
  );
  assert.throws(() => new ConsistentHashRing([A, B, A]), /listed twice/);
  assert.throws(() => new ConsistentHashRing(['a b:1']), /not a memcached server name/);
  assert.throws(
    () => new ConsistentHashRing([A, B]).serverFor(''),
    (e) => code(e) === 'E_BACKEND_PROTOCOL',
  );
});
