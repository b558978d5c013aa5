import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import type { Clock } from './clock.js';
import { type ParsedResponse, type ParserSink, ResponseParser } from './http-parser.js';
import { isTlsError, tlsConnectOptions } from './tls.js';
import type {
  Connection,
  ConnectionSink,
  ErrorKind,
  Exchange,
  TlsSessionSlot,
  Transport,
} from './transport.js';
import type { Origin } from './url-template.js';

/**
 * The real transport: a raw net.Socket (or a node:tls socket over it for https://) with the hand
 * parser — the generator's hot path. No node:http: it costs ~2× the CPU per request here (field
 * notes: 21.5 vs 9.7 µs).
 */
export interface TcpTransportOptions {
  maxBodyBytes: number;
  /** Collect ETag / Last-Modified (only --cache needs them). */
  validators: boolean;
  /** https: accept a certificate that does not verify (--insecure). */
  insecure: boolean;
}

function errorKind(err: NodeJS.ErrnoException): ErrorKind {
  if (isTlsError(err)) return 'tls';
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return 'connect';
  }
}

/**
 * Writes are batched per read: while one socket's chunk is parsed, the requests its responses free
 * up are queued (on whichever connection they go), and one write(2) per connection sends them
 * when the chunk is done. Without pipelining that is the same single write per response; with -p
 * it is one write per read however many responses the read held — and a server that coalesces
 * pipelined responses (nginx with tcp_nopush) then costs ≪ 1 syscall per request each way.
 * Measured with -p 10 against such an nginx: 1 write and 1 read per ~5 responses. The previous
 * setImmediate batching wrote the same number of times but paid an immediate callback per turn.
 */
const dirty: TcpConnection[] = [];
let reading = false;
/** When the chunk being parsed was read (µs): the arrival time of every response in it. */
let readAt = 0;
let shared: Buffer | undefined;

/** One read buffer per thread: every chunk is parsed synchronously before the next read. */
function readBuffer(): Buffer {
  shared ??= Buffer.allocUnsafe(64 * 1024);
  return shared;
}

class TcpConnection implements Connection, ParserSink {
  private readonly socket: Socket;
  private readonly parser: ResponseParser;
  private queue: Exchange[] = [];
  private head = 0;
  private dead = false;
  private closing = false;
  /** Requests queued during a read, written when it is parsed (sentAt is the time of that write). */
  private outbox: Exchange[] = [];
  /** Responses completed: a connection that answered before is a reused keep-alive connection. */
  private answered = 0;

  constructor(
    origin: Origin,
    private readonly sink: ConnectionSink,
    private readonly clock: Clock,
    o: TcpTransportOptions,
    tls: TlsSessionSlot | undefined,
  ) {
    this.parser = new ResponseParser(this, o.maxBodyBytes, o.validators);
    // `onread`: libuv reads into one reused buffer and calls us directly, skipping the Readable
    // stream ('data' events, a new Buffer per read) — measured ~1 µs per request less here.
    // node:tls takes the same option and hands us the decrypted bytes the same way.
    const onread = { buffer: readBuffer(), callback: this.onRead.bind(this) };
    if (origin.tls) {
      // (@types/node 20 omits tls.connect's `onread`; Node 20 documents and honours it.)
      const socket = tlsConnect({
        ...tlsConnectOptions(origin, o.insecure, tls?.session),
        onread,
      } as ConnectionOptions);
      socket.setNoDelay(true);
      // Requests written before the handshake ends are held by node:tls and sent after it.
      let connectedAt = this.clock.now();
      socket.once('connect', () => {
        connectedAt = this.clock.now();
      });
      socket.once('secureConnect', () => {
        this.sink.onHandshake?.(this.clock.now() - connectedAt, socket.isSessionReused());
      });
      // TLS 1.3 sends its tickets after the handshake; the latest one is what a browser would keep.
      if (tls !== undefined)
        socket.on('session', (s: Buffer) => {
          tls.session = s;
        });
      this.socket = socket;
    } else {
      this.socket = connect({ host: origin.host, port: origin.port, noDelay: true, onread });
    }
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.fail(errorKind(err)));
    this.socket.on('close', () => {
      if (this.dead) return;
      readAt = this.clock.now(); // a body read until close completes now
      const kind = this.parser.end();
      this.fail(kind ?? (this.inFlight > 0 ? 'closed' : null));
    });
  }

  get inFlight(): number {
    return this.queue.length - this.head;
  }

  get usable(): boolean {
    return !this.dead && !this.closing;
  }

  send(x: Exchange): void {
    this.queue.push(x);
    if (!reading) {
      x.sentAt = this.clock.now();
      this.socket.write(x.bytes);
    } else if (this.outbox.push(x) === 1) dirty.push(this);
  }

  /** Writes the queued requests in one write(2); they count as sent now. */
  flush(now: number): void {
    const out = this.outbox;
    if (out.length === 0 || this.dead) return;
    for (let i = 0; i < out.length; i++) out[i]!.sentAt = now;
    if (out.length === 1) this.socket.write(out[0]!.bytes);
    else {
      const bytes: Buffer[] = [];
      for (let i = 0; i < out.length; i++) bytes.push(out[i]!.bytes);
      this.socket.write(Buffer.concat(bytes));
    }
    out.length = 0;
  }

  oldestSentAt(): number {
    return this.head < this.queue.length ? this.queue[this.head]!.sentAt : -1;
  }

  requestWasHead(): boolean {
    return this.queue[this.head]?.head === true;
  }

  wantsBody(): boolean {
    return this.queue[this.head]?.keepBody === true;
  }

  onResponse(res: ParsedResponse): void {
    const x = this.queue[this.head];
    if (x === undefined) return; // a response nobody asked for: ignored, the close will tell
    this.queue[this.head++] = undefined as unknown as Exchange;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (!res.keepAlive) this.closing = true;
    this.answered += 1;
    this.sink.onResponse(this, x, res, readAt);
    if (this.closing) this.fail(this.inFlight > 0 ? 'closed' : null);
  }

  fail(kind: ErrorKind | null): void {
    if (this.dead) return;
    this.dead = true;
    this.outbox.length = 0;
    this.socket.destroy();
    const lost = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    // Closed or reset after answering before, with no byte of the next response read: the
    // server dropped an idle keep-alive connection as our request went out (its keepalive_timeout
    // raced us), not an answer cut short.
    const stale = (kind === 'closed' || kind === 'reset') && this.answered > 0 && this.parser.idle;
    this.sink.onClose(this, kind, lost, stale);
  }

  private onRead(nread: number, buf: Buffer): boolean {
    if (this.dead) return false;
    // One clock read per chunk for all its responses, one per flush for all the requests written.
    readAt = this.clock.now();
    reading = true;
    try {
      const err = this.parser.feed(buf, nread);
      if (err !== null) this.fail(err);
    } finally {
      reading = false;
      if (dirty.length > 0) {
        const now = this.clock.now();
        for (let i = 0; i < dirty.length; i++) dirty[i]!.flush(now);
        dirty.length = 0;
      }
    }
    return true;
  }
}

export function tcpTransport(clock: Clock, o: TcpTransportOptions): Transport {
  return { open: (origin, sink, tls) => new TcpConnection(origin, sink, clock, o, tls) };
}
