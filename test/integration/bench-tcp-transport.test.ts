import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { realClock } from '../../src/bench/clock.js';
import { tcpTransport } from '../../src/bench/tcp-transport.js';
import type { Connection, Exchange } from '../../src/bench/transport.js';
import { CLS_URL } from '../../src/bench/url-class.js';
import type { Origin } from '../../src/bench/url-template.js';

/**
 * The real transport against a raw TCP server that answers pipelined requests three at a time in
 * one write: the requests the three responses free up must leave in ONE write (the server sees
 * them in one chunk), all stamped with that write's time — the per-read batching that cuts the
 * syscalls per request under -p (bench/generator-vs-wrk.sh).
 */
const REQ = Buffer.from('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
const RES = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

const sockets = new Set<Socket>();
const server = createServer((sock) => {
  sockets.add(sock);
  let pending = 0;
  sock.on('data', (d) => {
    const n = d.toString('latin1').split('\r\n\r\n').length - 1;
    chunks.push(n);
    pending += n;
    while (pending >= 3) {
      pending -= 3;
      sock.write(RES.repeat(3));
    }
  });
});
/** Requests per chunk the server received. */
const chunks: number[] = [];
after(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

function exchange(): Exchange {
  return {
    bytes: REQ,
    head: false,
    idempotent: true,
    retried: false,
    keepBody: false,
    cls: CLS_URL,
    slot: 0,
    target: '/',
    intendedAt: 0,
    sentAt: 0,
  };
}

test('requests freed by one read leave in one write, stamped with its time', async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const origin: Origin = {
    host: '127.0.0.1',
    port,
    hostHeader: `127.0.0.1:${port}`,
    key: `http://127.0.0.1:${port}`,
    tls: false,
    servername: undefined,
  };
  const answered: { x: Exchange; at: number | undefined }[] = [];
  const sent: Exchange[] = [];
  let done: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  let conn: Connection;
  const send = () => {
    const x = exchange();
    sent.push(x);
    conn.send(x);
  };
  conn = tcpTransport(realClock, { maxBodyBytes: 1 << 20, validators: false, insecure: false }).open(origin, {
    onResponse(_c, x, res, at) {
      assert.equal(res.status, 200);
      answered.push({ x, at });
      if (sent.length < 6) send();
      if (answered.length === 6) done();
    },
    onClose() {},
  });
  for (let i = 0; i < 3; i++) send();
  await finished;
  conn.fail(null);
  assert.deepEqual(
    answered.map((a) => a.x),
    sent,
    'answered in order',
  );
  // The three refills: one chunk at the server, one sentAt, taken after the read that freed them.
  assert.equal(chunks.at(-1), 3);
  const refills = sent.slice(3);
  assert.equal(new Set(refills.map((x) => x.sentAt)).size, 1);
  const readAt = answered[2]!.at!;
  assert.equal(typeof readAt, 'number');
  assert.ok(refills[0]!.sentAt >= readAt);
  // One read carried the first three responses: one arrival time for all of them.
  assert.deepEqual(
    answered.slice(0, 3).map((a) => a.at),
    [readAt, readAt, readAt],
  );
});
