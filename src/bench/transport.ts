import type { ParsedResponse, ParseErrorKind } from './http-parser.js';
import type { Origin } from './url-template.js';

/**
 * The transport contract: connections that carry pre-serialized requests and report parsed
 * responses in order (HTTP/1.1 answers pipelined requests in order, RFC 9112 §9.3.2). The engine
 * and the virtual users only see these interfaces, so tests substitute a fake transport on a fake
 * clock (test/unit/bench/fake-transport.ts); tcp-transport.ts is the real one.
 */
export type ErrorKind = ParseErrorKind | 'refused' | 'reset' | 'timeout' | 'connect' | 'tls';

/** One request in flight. Allocated per request: a plain object, no closure. */
export interface Exchange {
  bytes: Buffer;
  head: boolean;
  /**
   * The method is idempotent (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE), so it may be
   * sent again when a stale keep-alive connection lost it. POST never is.
   */
  idempotent: boolean;
  /** Already sent again once after a stale connection lost it: a second loss is an error. */
  retried: boolean;
  keepBody: boolean;
  /** Its URL class (url-class.ts). */
  cls: number;
  /** Browser mode: which of the virtual user's (up to 6) connections carries it. */
  slot: number;
  /** Path + query, for browser mode (base of asset URLs, cache validators). */
  target: string;
  /** When the request should have been sent (open loop) — latency is measured from here. */
  intendedAt: number;
  /** When it was written to the connection. */
  sentAt: number;
}

export interface Connection {
  readonly inFlight: number;
  /** False once closed, failed or closing after `Connection: close`. */
  readonly usable: boolean;
  send(x: Exchange): void;
  /** sentAt of the oldest unanswered request (for the timeout sweep), or -1. */
  oldestSentAt(): number;
  /** Closes it; unanswered requests are reported lost with this kind. */
  fail(kind: ErrorKind | null): void;
}

export interface ConnectionSink {
  /** `at`: when the response was read (µs, transport clock); when absent the sink reads the clock. */
  onResponse(conn: Connection, x: Exchange, res: ParsedResponse, at?: number): void;
  /**
   * The connection is gone; `lost` got no response. kind is null for an orderly close. `stale`:
   * it had answered before, and not one byte of the next response had arrived when it closed or
   * was reset — a keep-alive connection the server closed as the request went out, which a
   * browser retries on a new connection (RFC 9112 §9.3.1).
   */
  onClose(conn: Connection, kind: ErrorKind | null, lost: Exchange[], stale: boolean): void;
  /** A TLS handshake took `us` µs (TCP connect excluded); `resumed`: from a saved session. */
  onHandshake?(us: number, resumed: boolean): void;
}

/**
 * One virtual user's TLS session for one origin: its next connections resume it instead of a full
 * handshake, as a browser does (RFC 8446 §2.2 tickets; TLS 1.2 session tickets, RFC 5077).
 */
export interface TlsSessionSlot {
  session: Buffer | undefined;
}

export interface Transport {
  open(origin: Origin, sink: ConnectionSink, tls?: TlsSessionSlot): Connection;
}
