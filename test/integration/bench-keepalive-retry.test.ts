import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runBench } from '../../src/bench/run.js';

/**
 * The stale keep-alive race (RFC 9112 §9.3.1): a server closes an idle connection just as the
 * client sends its next request on it. Here at the worst moment, every time: each connection's
 * N-th request is read and the connection closed (or reset) without one byte of answer. A
 * browser sends such a request again on a new connection when its method is idempotent; so must
 * the benchmarker, counting it apart — and never for POST, nor for an answer cut short.
 */
let server: Server;
let base = '';
const sockets = new Set<Socket>();

/** Per path: after how many answered requests a connection is dropped, and how. */
const RULES: Record<string, { answer: number; drop: 'close' | 'reset' | 'cut' }> = {
  '/close-2nd': { answer: 1, drop: 'close' },
  '/reset-2nd': { answer: 1, drop: 'reset' },
  '/cut-2nd': { answer: 1, drop: 'cut' },
  // Only the very first request of the whole run is answered; every later one is dropped.
  '/once': { answer: 1, drop: 'close' },
};
let onceAnswered = false;

before(async () => {
  server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let answered = 0;
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.slice(end + 4 + len);
        const path = head.split(' ')[1] ?? '/';
        const rule = RULES[path]!;
        const dropNow = path === '/once' ? onceAnswered : answered >= rule.answer;
        if (!dropNow) {
          answered += 1;
          onceAnswered = true;
          sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
          continue;
        }
        if (rule.drop === 'reset') sock.resetAndDestroy();
        else if (rule.drop === 'cut') sock.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok');
        else sock.destroy();
        return;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const quick = { connections: 2, threads: 1, count: 40, timeoutMs: 2000 };

test('closed unanswered on a reused connection: sent again on a new one, no error, counted apart', async () => {
  const r = await runBench({ ...quick, urls: [`${base}/close-2nd`] });
  assert.deepEqual(r.errors, {});
  assert.deepEqual(r.statusCodes, { '200': 40 });
  // Each connection answers one request, loses the next, and the retry opens the next connection:
  // every request after each user's first was lost once.
  assert.equal(r.totals.retriedOnStaleConnection, 40 - quick.connections);
  assert.equal(r.totals.errors, 0);
});

test('reset unanswered on a reused connection: retried the same way', async () => {
  const r = await runBench({ ...quick, urls: [`${base}/reset-2nd`] });
  assert.deepEqual(r.errors, {});
  assert.equal(r.totals.retriedOnStaleConnection, 40 - quick.connections);
});

test('an answer cut short is an error, not a stale connection: never retried', async () => {
  const r = await runBench({ ...quick, urls: [`${base}/cut-2nd`] });
  assert.equal(r.totals.retriedOnStaleConnection, 0);
  assert.ok((r.errors.closed ?? 0) > 0, JSON.stringify(r.errors));
});

test('POST is never sent twice: a lost POST is an error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-bench-retry-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const list = join(dir, 'urls.txt');
  writeFileSync(list, `POST ${base}/close-2nd a=1\n`);
  const r = await runBench({ ...quick, connections: 1, count: 10, urls: [], listFile: list });
  assert.equal(r.totals.retriedOnStaleConnection, 0);
  // Answered, lost, answered, lost …: every second POST fails.
  assert.equal(r.errors.closed, 5);
  assert.deepEqual(r.statusCodes, { '200': 5 });
});

test('a retried request lost again is an error: one retry only, and only on reused connections', async () => {
  onceAnswered = false;
  const r = await runBench({ ...quick, connections: 1, count: 3, urls: [`${base}/once`] });
  // Request 1 answered; request 2 lost on the reused connection, retried on a fresh one, where it
  // is that connection's first request: lost again, not stale, so an error; and so on.
  assert.equal(r.totals.retriedOnStaleConnection, 1);
  assert.equal(r.statusCodes['200'], 1);
  assert.equal(r.errors.closed, 2);
});
