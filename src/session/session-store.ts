import { randomBytes } from 'node:crypto';

/**
 * Sessions are looked up on every dynamic request (the talk: "we are effectively fetching the
 * session from the database for each request"). Backends: db (stage single, as the talk's 0.2),
 * redis (shared-nothing stages, the modern form of the talk's Pear daemon), memcached (may evict).
 * All share test/conformance/session-store.case.ts.
 */
export interface Session {
  /** 128-bit random id, 32 lower-case hex characters. */
  id: string;
  userId: number;
  createdAt: number; // epoch ms
  expiresAt: number; // epoch ms; sliding: extended on every use
}

export interface SessionStore {
  readonly kind: 'db' | 'redis' | 'memcached' | 'memory';
  create(userId: number, ttlMs: number): Promise<Session>;
  /** Returns the session and slides its expiry to now + ttlMs; undefined when unknown or expired. */
  touch(id: string, ttlMs: number): Promise<Session | undefined>;
  destroy(id: string): Promise<void>;
  close(): Promise<void>;
}

export const SESSION_TTL_MS = 30 * 60 * 1000;
export const SESSION_ID_RE = /^[0-9a-f]{32}$/;

/** A fresh session id of the shape SESSION_ID_RE accepts: 128 random bits, lower-case hex. */
export function newSessionId(): string {
  return randomBytes(16).toString('hex');
}
