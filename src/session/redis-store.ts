import type { RedisClient } from '../clients/redis/client.js';
import { newSessionId, SESSION_ID_RE, type Session, type SessionStore } from './session-store.js';

/**
 * Sessions in Redis, the modern form of the talk's session daemon ("Jamie has written a
 * network-bound session daemon called Pear"): any app process of a shared-nothing stage can
 * serve any request, because no process keeps a session of its own.
 *
 * Key `fk:sess:<id>`, value JSON {userId, createdAt}, expiry kept by Redis (PX, millisecond
 * precision). Why no locks: a session here is immutable data (who, since when) plus an expiry,
 * and every operation is one atomic server-side command, so two requests of one browser in two
 * processes cannot lose an update:
 *   create  = SET NX PX      (a fresh id, never overwrites)
 *   touch   = GETEX PX       (read and slide the expiry in one step; Redis >= 6.2)
 *   destroy = DEL            (a touch racing with it never writes the value back, so a logout
 *                             cannot be undone by a concurrent request)
 * If sessions ever carry mutable data (flash messages, carts), writes need `SET lock NX PX` and
 * release-if-owner, as in the field notes, or a Lua script per update.
 */
interface Stored {
  userId: number;
  createdAt: number;
}

const PREFIX = 'fk:sess:';

/** Owns its client: close() closes it. createdAt / expiresAt use this clock; expiry itself is Redis's. */
export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis' as const;

  constructor(private readonly client: RedisClient) {}

  async create(userId: number, ttlMs: number): Promise<Session> {
    const ms = Math.max(1, Math.ceil(ttlMs));
    const now = Date.now();
    const value = JSON.stringify({ userId, createdAt: now } satisfies Stored);
    // 128 random bits do not collide in practice; NX makes even that case safe instead of a takeover.
    for (;;) {
      const id = newSessionId();
      if (await this.client.set(PREFIX + id, value, { px: ms, nx: true })) {
        return { id, userId, createdAt: now, expiresAt: now + ms };
      }
    }
  }

  async touch(id: string, ttlMs: number): Promise<Session | undefined> {
    if (!SESSION_ID_RE.test(id)) return undefined;
    const ms = Math.max(1, Math.ceil(ttlMs));
    const raw = await this.client.getex(PREFIX + id, { px: ms });
    if (raw === null) return undefined;
    const s = parse(raw);
    if (s === undefined) return undefined;
    return { id, userId: s.userId, createdAt: s.createdAt, expiresAt: Date.now() + ms };
  }

  async destroy(id: string): Promise<void> {
    if (!SESSION_ID_RE.test(id)) return;
    await this.client.del(PREFIX + id);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Anything else under our prefix is not a session of ours: treat as unknown rather than fail the request. */
function parse(raw: string): Stored | undefined {
  try {
    const v = JSON.parse(raw) as Partial<Stored>;
    if (Number.isSafeInteger(v.userId) && Number.isFinite(v.createdAt)) return v as Stored;
  } catch {
    // fall through
  }
  return undefined;
}
