import type { FakeClock } from '../../src/bench/clock.js';
import type { ParsedResponse } from '../../src/bench/http-parser.js';
import type {
  Connection,
  ConnectionSink,
  ErrorKind,
  Exchange,
  TlsSessionSlot,
  Transport,
} from '../../src/bench/transport.js';
import type { Origin } from '../../src/bench/url-template.js';

/** What the fake server does with one request. */
export interface FakeReply {
  /** Service time in µs, from when the server is free to answer it (requests are served in order). */
  us: number;
  status?: number;
  body?: string;
  setCookie?: string[];
  serverTiming?: string;
  close?: boolean;
  /** Instead of a reply: the connection fails with this kind, part of a response already read. */
  error?: ErrorKind;
  /**
   * Instead of a reply: the server closes the connection before one byte of the response — on a
   * connection that answered before, the stale keep-alive race a browser retries.
   */
  drop?: boolean;
}

export interface SeenRequest {
  method: string;
  target: string;
  cookie: string | undefined;
  body: string;
  at: number;
  conn: number;
}

/**
 * A transport on virtual time: each connection answers its requests in order after the service
 * time the handler returns, exactly like a single-threaded keep-alive server per connection.
 */
export function fakeTransport(clock: FakeClock, handler: (r: SeenRequest) => FakeReply) {
  const seen: SeenRequest[] = [];
  /** The TLS session slot each connection was opened with (https origins), in opening order. */
  const tlsSlots: (TlsSessionSlot | undefined)[] = [];
  let opened = 0;
  const transport: Transport = {
    open(_origin: Origin, sink: ConnectionSink, tls?: TlsSessionSlot): Connection {
      tlsSlots.push(tls);
      const id = opened++;
      const queue: Exchange[] = [];
      let dead = false;
      let closing = false;
      let busyUntil = clock.now();
      let answered = 0;
      let staleDrop = false;
      const conn: Connection = {
        get inFlight() {
          return queue.length;
        },
        get usable() {
          return !dead && !closing;
        },
        oldestSentAt: () => (queue.length > 0 ? queue[0]!.sentAt : -1),
        fail(kind) {
          if (dead) return;
          dead = true;
          const lost = queue.splice(0);
          sink.onClose(conn, kind, lost, staleDrop && answered > 0);
        },
        send(x) {
          x.sentAt = clock.now();
          queue.push(x);
          const text = x.bytes.toString('latin1');
          const [line = '', ...rest] = text.split('\r\n');
          const [method = '', target = ''] = line.split(' ');
          const cookie = rest.find((h) => h.startsWith('Cookie: '))?.slice(8);
          const body = text.slice(text.indexOf('\r\n\r\n') + 4);
          const req = { method, target, cookie, body, at: clock.now(), conn: id };
          seen.push(req);
          const reply = handler(req);
          const start = Math.max(clock.now(), busyUntil);
          busyUntil = start + reply.us;
          clock.afterUs(busyUntil - clock.now(), () => {
            if (dead) return;
            if (reply.error) return conn.fail(reply.error);
            if (reply.drop) {
              staleDrop = true;
              return conn.fail('closed');
            }
            const ex = queue.shift()!;
            const body = reply.body ?? 'ok';
            const res: ParsedResponse = {
              status: reply.status ?? 200,
              bytes: 100 + body.length,
              bodyBytes: body.length,
              keepAlive: !reply.close,
              setCookies: reply.setCookie ?? null,
              serverTiming: reply.serverTiming ?? null,
              etag: null,
              lastModified: null,
              body: ex.keepBody ? [Buffer.from(body)] : null,
            };
            if (reply.close) closing = true;
            answered += 1;
            sink.onResponse(conn, ex, res);
            if (reply.close) conn.fail(queue.length > 0 ? 'closed' : null);
          });
        },
      };
      return conn;
    },
  };
  return { transport, seen, opened: () => opened, tlsSlots };
}
