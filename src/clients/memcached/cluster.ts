import {
  type Item,
  MemcachedClient,
  type MemcachedClientOptions,
  type StoreOptions,
  type StoreStatus,
} from './client.js';
import { ConsistentHashRing } from './ketama.js';

/** What a memcached-backed store needs: one server's client and a cluster both answer it. */
export type MemcachedCommands = Pick<
  MemcachedClient,
  'get' | 'gets' | 'gat' | 'set' | 'add' | 'cas' | 'delete' | 'touch' | 'close'
>;

/**
 * Several memcached servers as one: a pipelined MemcachedClient per server, each command sent to
 * the server the key's place on the ring names — the same ring nginx's `hash $uri consistent;`
 * walks (ketama.ts), so a file the app stores here is on the server nginx reads it from.
 *
 * `servers` must be the strings nginx.conf lists, in the same order: nginx hashes the name as
 * written, not the address (ketama.ts), so '127.0.0.1:11211' and 'localhost:11211' are different
 * rings. With one server there is no ring at all: every command goes straight to its client, as
 * before there were several (nginx skips its ring then too).
 *
 * Keys route by themselves (sessions: 'fk:sess:<id>'). The static-file fill routes by nginx's
 * $uri instead, which is what nginx hashes, and stores under the escaped key nginx asks memcached
 * for (key.ts): `clientFor(uri)` / `tryOrder(uri)`. A server that is down is not routed around:
 * nginx does not know either (max_fails=0), and a session moved to another server is lost anyway.
 */
export class MemcachedCluster implements MemcachedCommands {
  readonly servers: readonly string[];
  private readonly clients: MemcachedClient[];
  private readonly ring: ConsistentHashRing | undefined;
  private readonly indexOf = new Map<string, number>();

  constructor(servers: readonly string[], opts: MemcachedClientOptions = {}) {
    // The ring validates the list (not empty, no duplicates) before any connection object exists.
    const ring = new ConsistentHashRing(servers);
    this.servers = ring.servers;
    this.ring = servers.length > 1 ? ring : undefined;
    for (const [i, s] of this.servers.entries()) this.indexOf.set(s, i);
    this.clients = this.servers.map((s) => new MemcachedClient(s, opts));
  }

  /** The client of the server nginx picks for this routing key while every server is up. */
  clientFor(routeKey: string): MemcachedClient {
    if (this.ring === undefined) return this.clients[0]!;
    return this.clients[this.indexOf.get(this.ring.serverFor(routeKey))!]!;
  }

  /** The clients in the order one nginx request tries their servers when earlier ones fail. */
  tryOrder(routeKey: string): MemcachedClient[] {
    if (this.ring === undefined) return [this.clients[0]!];
    return this.ring.tryOrder(routeKey).map((s) => this.clients[this.indexOf.get(s)!]!);
  }

  get(key: string): Promise<Item | undefined> {
    return this.clientFor(key).get(key);
  }

  gets(key: string): Promise<Item | undefined> {
    return this.clientFor(key).gets(key);
  }

  gat(exptime: number, key: string): Promise<Item | undefined> {
    return this.clientFor(key).gat(exptime, key);
  }

  set(key: string, value: Buffer | string, o?: StoreOptions): Promise<boolean> {
    return this.clientFor(key).set(key, value, o);
  }

  add(key: string, value: Buffer | string, o?: StoreOptions): Promise<boolean> {
    return this.clientFor(key).add(key, value, o);
  }

  cas(key: string, value: Buffer | string, cas: bigint, o?: StoreOptions): Promise<StoreStatus> {
    return this.clientFor(key).cas(key, value, cas, o);
  }

  delete(key: string): Promise<boolean> {
    return this.clientFor(key).delete(key);
  }

  touch(key: string, exptime: number): Promise<boolean> {
    return this.clientFor(key).touch(key, exptime);
  }

  /** Every server's version, in `servers` order; rejects if any one is unreachable (start-up check). */
  versions(): Promise<string[]> {
    return Promise.all(this.clients.map((c) => c.version()));
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}
