import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ParsedResponse, ResponseParser } from '../../../src/bench/http-parser.js';

function parser(opts: { head?: boolean; keep?: boolean; maxBody?: number } = {}) {
  const got: ParsedResponse[] = [];
  const p = new ResponseParser(
    {
      requestWasHead: () => opts.head === true,
      wantsBody: () => opts.keep === true,
      onResponse: (r) => got.push({ ...r }),
    },
    opts.maxBody,
  );
  return { p, got };
}

/** Feeds the text in every possible pair of pieces: results must not depend on where TCP cuts. */
function everySplit(text: string, check: (got: ParsedResponse[], err: string | null) => void, o = {}) {
  const buf = Buffer.from(text, 'latin1');
  for (let cut = 0; cut <= buf.length; cut++) {
    const { p, got } = parser(o);
    const err = p.feed(buf.subarray(0, cut)) ?? p.feed(buf.subarray(cut));
    check(got, err);
  }
}

test('Content-Length, two pipelined responses, any split', () => {
  const text =
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\n\r\nhelloHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n';
  everySplit(text, (got, err) => {
    assert.equal(err, null);
    assert.deepEqual(
      got.map((r) => [r.status, r.bodyBytes]),
      [
        [200, 5],
        [404, 0],
      ],
    );
    assert.deepEqual(got[0]!.setCookies, ['a=1']);
    assert.equal(got[0]!.bytes + got[1]!.bytes, text.length);
  });
});

test('chunked with extensions and trailers, body kept on request, any split', () => {
  const text =
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nServer-Timing: db;dur=2\r\n\r\n5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n';
  everySplit(
    text,
    (got, err) => {
      assert.equal(err, null);
      assert.equal(got.length, 1);
      assert.equal(Buffer.concat(got[0]!.body!).toString(), 'hello world');
      assert.equal(got[0]!.serverTiming, 'db;dur=2');
      assert.equal(got[0]!.bytes, text.length);
    },
    { keep: true },
  );
});

test('HEAD, 204 and 304 have no body even with Content-Length; 1xx is skipped', () => {
  const { p, got } = parser({ head: true });
  assert.equal(p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n')), null);
  assert.equal(got[0]!.status, 200);
  const b = parser();
  b.p.feed(
    Buffer.from(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    ),
  );
  assert.deepEqual(
    b.got.map((r) => r.status),
    [304, 204],
  );
});

test('no length: body until close; Connection: close and HTTP/1.0 end keep-alive', () => {
  const { p, got } = parser();
  assert.equal(p.feed(Buffer.from('HTTP/1.0 200 OK\r\n\r\nabc')), null);
  assert.equal(got.length, 0);
  assert.equal(p.end(), null);
  assert.equal(got[0]!.bodyBytes, 3);
  assert.equal(got[0]!.keepAlive, false);
  const c = parser();
  c.p.feed(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx'));
  assert.equal(c.got[0]!.keepAlive, false);
});

test('garbage, bad lengths and bad chunk sizes are malformed', () => {
  for (const t of [
    'SSH-2.0-OpenSSH\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
    'HTTP/1.1 2x0 OK\r\n\r\n',
    'HTTP/1.2 200 OK\r\n\r\n',
    'HTTP/1.1 200OK\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n',
  ]) {
    const { p } = parser();
    assert.equal(p.feed(Buffer.from(t)), 'malformed', t);
  }
  const { p } = parser();
  assert.equal(p.feed(Buffer.alloc(70 * 1024, 65)), 'malformed', 'endless header');
});

test('an endless or oversized body is capped; a cut response is "closed"', () => {
  const a = parser({ maxBody: 1000 });
  assert.equal(a.p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n')), 'body-too-large');
  const b = parser({ maxBody: 1000 });
  b.p.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
  let err = null;
  for (let i = 0; i < 20 && err === null; i++)
    err = b.p.feed(Buffer.from('64\r\n' + 'x'.repeat(100) + '\r\n'));
  assert.equal(err, 'body-too-large');
  const c = parser();
  c.p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
  assert.equal(c.p.end(), 'closed');
  assert.equal(parser().p.end(), null, 'idle close is clean');
});

test('responses trickled in byte by byte through a reused read buffer parse the same', () => {
  for (const text of [
    'HTTP/1.1 200 OK\r\nServer-Timing: app;dur=3\r\nContent-Length: 3\r\n\r\nabc',
    'HTTP/1.1 200 OK\r\nServer-Timing: app;dur=3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  ]) {
    const { p, got } = parser();
    const bytes = Buffer.from(text, 'latin1');
    // The transport reads into one reused buffer: bytes past `len` are stale and must be ignored.
    const reused = Buffer.alloc(64, '\nHTTP/1.1 500 Stale\r\n\r\n');
    for (let i = 0; i < bytes.length; i++) {
      reused[0] = bytes[i]!;
      assert.equal(p.feed(reused, 1), null);
    }
    assert.deepEqual(
      got.map((r) => [r.status, r.bodyBytes, r.bytes, r.serverTiming]),
      [[200, 3, text.length, 'app;dur=3']],
      text,
    );
  }
});

test('repeated heads (remembered) and heads that differ by one byte each parse on their own', () => {
  const head = (status: string, len: number, timing: string, conn = 'keep-alive') =>
    `HTTP/1.1 ${status}\r\nConnection: ${conn}\r\nServer-Timing: ${timing}\r\nContent-Length: ${len}\r\n\r\n${'x'.repeat(len)}`;
  const seq: [string, number, string, string?][] = [];
  for (let i = 0; i < 30; i++) seq.push(['200 OK', 5, 'db;dur=1']); // the same head again and again
  for (let i = 0; i < 30; i++) seq.push(['200 OK', 5, `db;dur=${i % 10}`]); // same length, new bytes
  seq.push(['404 No', 6, 'db;dur=1'], ['200 OK', 5, 'db;dur=1'], ['200 OK', 4, 'db;dur=1']);
  seq.push(['200 OK', 5, 'db;dur=1', 'Close']);
  const { p, got } = parser();
  assert.equal(p.feed(Buffer.from(seq.map(([s, n, t, c]) => head(s, n, t, c)).join(''), 'latin1')), null);
  assert.deepEqual(
    got.map((r) => [r.status, r.bodyBytes, r.serverTiming, r.keepAlive]),
    seq.map(([s, n, t, c]) => [Number(s.slice(0, 3)), n, t, c === undefined]),
  );
});

test('Connection values: tokens in any case, with spaces, in a list', () => {
  for (const [value, keepAlive] of [
    ['  Keep-Alive ', true],
    ['CLOSE', false],
    ['upgrade, close', false],
    ['foo, keep-alive', true],
  ] as const) {
    const { p, got } = parser();
    p.feed(Buffer.from(`HTTP/1.0 200 OK\r\nConnection:${value}\r\nContent-Length: 0\r\n\r\n`));
    assert.equal(got[0]!.keepAlive, keepAlive, value);
  }
});

test('a remembered head gets its own fields back, never those of the response before it', () => {
  const a = 'HTTP/1.1 200 OK\r\nETag: "a"\r\nContent-Length: 1\r\n\r\nx';
  const cookie = 'HTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\nETag: "c"\r\nContent-Length: 2\r\n\r\nyy';
  const seq = [a, a, a, cookie, a, 'HTTP/1.1 100 Continue\r\n\r\n', a, a];
  const got: ParsedResponse[] = [];
  const p = new ResponseParser(
    { requestWasHead: () => false, wantsBody: () => false, onResponse: (r) => got.push({ ...r }) },
    undefined,
    true,
  );
  assert.equal(p.feed(Buffer.from(seq.join(''), 'latin1')), null);
  assert.deepEqual(
    got.map((r) => [r.status, r.bodyBytes, r.setCookies, r.etag]),
    [
      [200, 1, null, '"a"'],
      [200, 1, null, '"a"'],
      [200, 1, null, '"a"'],
      [200, 2, ['s=1'], '"c"'],
      [200, 1, null, '"a"'],
      [200, 1, null, '"a"'],
      [200, 1, null, '"a"'],
    ],
  );
});
