import type { MemcachedCommands } from '../clients/memcached/cluster.js';
import { newSessionId, SESSION_ID_RE, type Session, type SessionStore } from './session-store.js';

/**
 * Sessions in memcached: shared by every app process, like the Redis store, but memcached is a
 * cache. Under memory pressure it evicts least-recently-used items without telling anyone, and a
 * restart empties it: a session kept here can vanish and its user is logged out. That is why the
 * talk's authors wrote a dedicated session daemon (Pear) instead of using memcached, which they
 * used for static files. This backend exists to show that trade-off; use Redis for sessions.
 *
 * Value JSON {userId, createdAt, expiresAt}. memcached's own expiry has one-second granularity
 * (and its clock ticks once a second), so the precise expiry is kept in the value and checked
 * here; memcached's exptime, one second later, only reclaims the memory.
 *
 * touch is gets + cas, not get + set: a touch racing with a destroy (logout in one tab, a page
 * load in another) then gets NOT_FOUND instead of writing the session back to life. A cas that
 * answers EXISTS means another request slid the same session at the same moment: it is alive.
 *
 * Several memcached servers (a MemcachedCluster): each session lives on the server its key's
 * place on the ring names — the same ring as the static files, since a key is a key. nginx never
 * reads sessions, so any stable choice would do; one ring keeps one rule. A server that is down
 * takes its sessions with it (logged out, as with one server), the others' users stay logged in.
 */
interface Stored {
  userId: number;
  createdAt: number;
  expiresAt: number;
}

// memcached reads an exptime over 30 days as an absolute Unix time (protocol.txt).
const RELATIVE_LIMIT_S = 30 * 24 * 3600;
const PREFIX = 'fk:sess:';

/** Owns its client (one server's, or a cluster): close() closes it. */
export class MemcachedSessionStore implements SessionStore {
  readonly kind = 'memcached' as const;

  constructor(private readonly client: MemcachedCommands) {}

  async create(userId: number, ttlMs: number): Promise<Session> {
    const now = Date.now();
    const s: Stored = { userId, createdAt: now, expiresAt: now + Math.max(1, Math.ceil(ttlMs)) };
    for (;;) {
      const id = newSessionId();
      // add = store only if absent: a (practically impossible) id collision never takes over a session.
      if (await this.client.add(PREFIX + id, JSON.stringify(s), { exptime: exptime(s.expiresAt, now) })) {
        return { id, ...s };
      }
    }
  }

  async touch(id: string, ttlMs: number): Promise<Session | undefined> {
    if (!SESSION_ID_RE.test(id)) return undefined;
    const key = PREFIX + id;
    const item = await this.client.gets(key);
    if (item === undefined || item.cas === undefined) return undefined;
    const s = parse(item.value);
    const now = Date.now();
    if (s === undefined || s.expiresAt <= now) return undefined;
    const next: Stored = { ...s, expiresAt: now + Math.max(1, Math.ceil(ttlMs)) };
    const status = await this.client.cas(key, JSON.stringify(next), item.cas, {
      exptime: exptime(next.expiresAt, now),
    });
    // NOT_FOUND: destroyed (or evicted) since our gets; EXISTS: slid by a concurrent touch.
    if (status === 'NOT_FOUND') return undefined;
    return { id, ...next };
  }

  async destroy(id: string): Promise<void> {
    if (!SESSION_ID_RE.test(id)) return;
    await this.client.delete(PREFIX + id);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function exptime(expiresAt: number, now: number): number {
  const seconds = Math.ceil((expiresAt - now) / 1000) + 1;
  return seconds > RELATIVE_LIMIT_S ? Math.ceil(expiresAt / 1000) + 1 : seconds;
}

function parse(raw: Buffer): Stored | undefined {
  try {
    const v = JSON.parse(raw.toString('utf8')) as Partial<Stored>;
    if (Number.isSafeInteger(v.userId) && Number.isFinite(v.createdAt) && Number.isFinite(v.expiresAt)) {
      return v as Stored;
    }
  } catch {
    // fall through
  }
  return undefined;
}
