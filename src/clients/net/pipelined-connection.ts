import { connect, type Socket } from 'node:net';
import { FkError } from '../../errors.js';
import type { Decoded, Decoder } from './reply-decoder.js';

/**
 * One TCP connection carrying pipelined request/reply traffic, for protocols whose replies come
 * back in request order (memcached's text protocol, Redis RESP2). Both clients of ours sit on it.
 *
 * Why one pipelined connection rather than a pool: the replies of both protocols are strictly
 * ordered, so a FIFO of pending decoders is all the bookkeeping we need, and many small commands
 * share one write and one read (the load-generator field notes saw ~3x less CPU per request with
 * pipelining). A pool would add head-of-line fairness but not throughput on a 2-core machine.
 *
 * Robustness rules: every failure surfaces as a rejected promise (never an 'error' event that
 * could crash the process); a timed-out or garbled connection is destroyed, because once one
 * reply is lost or unparseable every later reply would be matched to the wrong request; the next
 * command opens a fresh connection (after a short fail-fast window, so a dead server is not
 * hammered with connects).
 */

export interface ConnectionOptions {
  host: string;
  port: number;
  /** For messages, e.g. 'memcached 127.0.0.1:11211'. */
  name: string;
  connectTimeoutMs?: number;
  /** A reply not complete this long after its request resets the connection. */
  commandTimeoutMs?: number;
  maxPending?: number;
  /** After a failed connect, commands fail at once for this long instead of reconnecting. */
  retryDelayMs?: number;
  /** Requests sent first on every new connection (AUTH, SELECT); a failure resets the connection. */
  handshake?: () => Array<{ payload: Buffer; decode: Decoder<unknown> }>;
}

interface Pending {
  decode: Decoder<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  deadline: number;
}

export class PipelinedConnection {
  private socket: Socket | undefined;
  private queue: Pending[] = [];
  private head = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failedUntil = 0;
  private lastConnectError: Error | undefined;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly maxPending: number;
  private readonly retryDelayMs: number;

  constructor(private readonly o: ConnectionOptions) {
    this.connectTimeoutMs = o.connectTimeoutMs ?? 1000;
    this.commandTimeoutMs = o.commandTimeoutMs ?? 1000;
    this.maxPending = o.maxPending ?? 10_000;
    this.retryDelayMs = o.retryDelayMs ?? 100;
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  send<T>(payload: Buffer | Buffer[], decode: Decoder<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.error(`${this.o.name}: client is closed`));
    if (this.lastConnectError !== undefined && Date.now() < this.failedUntil) {
      return Promise.reject(this.lastConnectError);
    }
    if (this.pending >= this.maxPending) {
      return Promise.reject(this.error(`${this.o.name}: ${this.pending} requests already pending`));
    }
    const socket = this.ensureSocket();
    return new Promise<T>((resolve, reject) => {
      this.enqueue(decode as Decoder<unknown>, resolve as (v: unknown) => void, reject);
      write(socket, payload);
    });
  }

  /** Waits (bounded by the command timeout) for pending replies, then closes the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    if (socket === undefined) return;
    const closedP = new Promise<void>((r) => socket.once('close', () => r()));
    if (this.pending > 0) {
      await Promise.race([
        new Promise<void>((r) => {
          const check = () => (this.pending === 0 || this.socket !== socket ? r() : setTimeout(check, 5));
          check();
        }),
        new Promise<void>((r) => setTimeout(r, this.commandTimeoutMs).unref()),
      ]);
    }
    this.fail(this.error(`${this.o.name}: client is closed`));
    await closedP;
  }

  private ensureSocket(): Socket {
    if (this.socket !== undefined) return this.socket;
    const s = connect({ host: this.o.host, port: this.o.port });
    this.socket = s;
    s.setNoDelay(true);
    let connected = false;
    let lastErr: Error | undefined;
    const connectTimer = setTimeout(() => {
      lastErr = this.error(`${this.o.name}: connect timed out after ${this.connectTimeoutMs} ms`);
      s.destroy();
    }, this.connectTimeoutMs);
    s.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      this.lastConnectError = undefined;
    });
    s.on('data', (chunk: Buffer) => {
      if (this.socket === s) this.onData(chunk);
    });
    s.on('error', (err) => {
      lastErr ??= this.wrap(err, connected);
    });
    s.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket !== s) return;
      const err = lastErr ?? this.error(`${this.o.name}: connection closed by the server`);
      if (!connected) {
        this.lastConnectError = err;
        this.failedUntil = Date.now() + this.retryDelayMs;
      }
      this.fail(err);
    });
    for (const h of this.o.handshake?.() ?? []) {
      this.enqueue(
        h.decode,
        () => {},
        (e) => this.fail(e),
      );
      write(s, h.payload);
    }
    return s;
  }

  private enqueue(decode: Decoder<unknown>, resolve: (v: unknown) => void, reject: (e: Error) => void) {
    this.queue.push({ decode, resolve, reject, deadline: Date.now() + this.commandTimeoutMs });
    // Idle connections must not keep the process alive (a forgotten client in a CLI or a test).
    if (this.pending === 1) this.socket?.ref();
    if (this.timer === undefined) this.armTimer(this.commandTimeoutMs);
  }

  private armTimer(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const first = this.queue[this.head];
      if (first === undefined) return;
      const left = first.deadline - Date.now();
      if (left > 0) this.armTimer(left);
      else this.fail(this.error(`${this.o.name}: no reply within ${this.commandTimeoutMs} ms`));
    }, ms);
    this.timer.unref();
  }

  private onData(chunk: Buffer): void {
    const socket = this.socket;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // A large value arrives in many chunks: concatenate once, when enough bytes are here.
    if (this.buffered < this.need) return;
    const buf = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    let pos = 0;
    this.need = 0;
    while (pos < buf.length) {
      const p = this.queue[this.head];
      if (p === undefined) {
        this.fail(this.protocolError('data arrived that no request asked for'));
        return;
      }
      let r: Decoded<unknown>;
      try {
        r = p.decode(buf, pos);
      } catch (e) {
        this.fail(this.protocolError(e instanceof Error ? e.message : String(e)));
        return;
      }
      if ('need' in r) {
        this.need = r.need;
        break;
      }
      pos = r.end;
      this.shift();
      if ('error' in r) p.reject(r.error);
      else p.resolve(r.value);
      // A failed handshake rejects synchronously and resets the connection: drop what is left.
      if (this.socket !== socket) return;
    }
    const rest = pos === 0 ? buf : buf.subarray(pos);
    this.chunks = rest.length === 0 ? [] : [rest];
    this.buffered = rest.length;
  }

  private shift(): void {
    this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      clearTimeout(this.timer);
      this.timer = undefined;
      this.socket?.unref();
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Destroys the connection and rejects every pending request with `err`. */
  private fail(err: Error): void {
    const pending = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.chunks = [];
    this.buffered = 0;
    this.need = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
    for (const p of pending) p.reject(err);
  }

  private error(message: string, cause?: unknown): FkError {
    return new FkError('E_BACKEND_UNAVAILABLE', message, { cause });
  }

  private protocolError(detail: string): FkError {
    return new FkError('E_BACKEND_PROTOCOL', `${this.o.name}: unexpected reply (${detail})`);
  }

  private wrap(err: NodeJS.ErrnoException, connected: boolean): FkError {
    const what = connected ? 'connection lost' : 'cannot connect';
    return this.error(`${this.o.name}: ${what}: ${err.code ?? err.message}`, err);
  }
}

function write(socket: Socket, payload: Buffer | Buffer[]): void {
  if (Buffer.isBuffer(payload)) {
    socket.write(payload);
    return;
  }
  // One writev instead of three segments: header line, data block, CRLF.
  socket.cork();
  for (const b of payload) socket.write(b);
  socket.uncork();
}
