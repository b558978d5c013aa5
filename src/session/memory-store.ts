import { newSessionId, SESSION_ID_RE, type Session, type SessionStore } from './session-store.js';

/** In-process sessions for tests and examples; one process only (not shared-nothing). */
export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory' as const;
  private readonly map = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  async create(userId: number, ttlMs: number): Promise<Session> {
    const now = this.now();
    const s: Session = {
      id: newSessionId(),
      userId,
      createdAt: now,
      expiresAt: now + ttlMs,
    };
    this.map.set(s.id, s);
    return { ...s };
  }

  async touch(id: string, ttlMs: number): Promise<Session | undefined> {
    if (!SESSION_ID_RE.test(id)) return undefined;
    const s = this.map.get(id);
    const now = this.now();
    if (s === undefined) return undefined;
    if (s.expiresAt <= now) {
      this.map.delete(id);
      return undefined;
    }
    s.expiresAt = now + ttlMs;
    return { ...s };
  }

  async destroy(id: string): Promise<void> {
    this.map.delete(id);
  }

  async close(): Promise<void> {
    this.map.clear();
  }
}
