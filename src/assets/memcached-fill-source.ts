import type { MemcachedClient } from '../clients/memcached/client.js';
import { keyProblem, nginxMemcachedKey } from '../clients/memcached/key.js';
import type { Asset, AssetSource } from './asset-source.js';

/** Where fills go: a MemcachedCluster (fakes in the unit tests). */
export interface FillTarget {
  /** The servers in the order nginx tries them for this $uri. */
  tryOrder(uri: string): Array<Pick<MemcachedClient, 'addr' | 'set'>>;
  readonly servers: readonly string[];
  close(): Promise<void>;
}

/**
 * The talk's CherryPy "tool" (Flickr Killr 0.4): "inserts static content into memcached as it is
 * requested ... We will instruct nginx to look for files there first, and fall back to CherryPy
 * if the file is not found in the cache."
 *
 * It wraps the disk source. Each file it serves is also written to memcached under the exact key
 * nginx's `set $memcached_key $uri;` will ask for, so the next request for it never reaches us.
 * The write is fire-and-forget through a bounded queue: a response never waits for memcached and
 * never fails because of it; when the queue is full, fills are dropped (the next miss offers the
 * file again). Only the bytes are stored: nginx takes Content-Type from the extension (`types`),
 * and sends no ETag or Last-Modified for memcached hits.
 *
 * In the memcached stage every static request that reaches the app is an nginx miss, so filling on
 * each serve (not only the first) is what refills files memcached evicted; a short "recently
 * stored" memory keeps direct hits on the app and bursts of misses for one file from rewriting it.
 *
 * Several servers: each file goes to the server nginx's `hash $uri consistent;` reads it from,
 * chosen by the same ring from the same $uri (MemcachedCluster.tryOrder). When that server fails,
 * the file goes to the next server of the ring: the one nginx itself asks next when the first
 * refuses or times out (memcached_next_upstream error timeout, nginx's default), so a cache host
 * that is down costs one miss per file, not a miss on every request. Such a stand-in copy is not
 * remembered as stored: once the first server is back, its next miss fills it again.
 */
export interface MemcachedFillOptions {
  /** memcached refuses items over its item size (-I, 1 MB by default, key and header included). */
  maxItemBytes?: number;
  maxQueue?: number;
  maxInFlight?: number;
  /** A key stored this recently is not written again. */
  refillAfterMs?: number;
  /** Progress and outage messages (one per server outage); the CLI passes stderr. */
  log?: (line: string) => void;
  now?: () => number;
}

export interface FillStats {
  stored: number;
  notStored: number;
  tooLarge: number;
  badKey: number;
  dropped: number;
  /** Stored on a later server of the ring because the first one failed. */
  failedOver: number;
  /** Failed on every server it was tried on. */
  failed: number;
}

const RECENT_CAP = 10_000;

interface Job {
  /** nginx's escaped $memcached_key. */
  key: string;
  /** nginx's $uri: what `hash $uri consistent` hashes. */
  uri: string;
  body: Buffer;
}

export class MemcachedFillSource implements AssetSource {
  readonly stats: FillStats = {
    stored: 0,
    notStored: 0,
    tooLarge: 0,
    badKey: 0,
    dropped: 0,
    failedOver: 0,
    failed: 0,
  };
  private readonly queue: Job[] = [];
  private readonly queued = new Set<string>();
  private readonly recent = new Map<string, number>();
  private inFlight = 0;
  /** Servers whose last fill failed: their outage was logged once. */
  private readonly down = new Set<string>();
  private idleWaiters: Array<() => void> = [];
  private readonly maxItemBytes: number;
  private readonly maxQueue: number;
  private readonly maxInFlight: number;
  private readonly refillAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: AssetSource,
    private readonly target: FillTarget,
    private readonly o: MemcachedFillOptions = {},
  ) {
    // Room for the item header, key and CAS id inside memcached's 1 MiB item: measured on 1.6.18,
    // the largest value is 1 MiB - 60 bytes with a 1-byte key, 1 MiB - 309 with a 250-byte key.
    this.maxItemBytes = o.maxItemBytes ?? 1024 * 1024 - 512;
    this.maxQueue = o.maxQueue ?? 256;
    this.maxInFlight = o.maxInFlight ?? 16;
    this.refillAfterMs = o.refillAfterMs ?? 10_000;
    this.now = o.now ?? Date.now;
  }

  async get(relPath: string): Promise<Asset | undefined> {
    const asset = await this.inner.get(relPath);
    if (asset !== undefined) this.offer(asset);
    return asset;
  }

  /** Resolves once every queued fill has been answered (tests, and shutdown). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    // Pending fills are answered or time out within the client's command timeout.
    await this.flush();
    await this.target.close();
    await this.inner.close();
  }

  private offer({ path, body }: Asset): void {
    // The asset's request path is nginx's $uri: decoded, no query string.
    const key = nginxMemcachedKey(path);
    if (this.queued.has(key)) return;
    const storedAt = this.recent.get(key);
    const now = this.now();
    if (storedAt !== undefined && now - storedAt < this.refillAfterMs) return;
    if (body.length > this.maxItemBytes) {
      this.stats.tooLarge++;
      this.remember(key, now);
      return;
    }
    if (keyProblem(key) !== undefined) {
      // Over 250 bytes: nginx gets an error from memcached and its error_page sends the request here.
      this.stats.badKey++;
      this.remember(key, now);
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.stats.dropped++;
      return;
    }
    this.queue.push({ key, uri: path, body });
    this.queued.add(key);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.inFlight++;
      this.fill(job).finally(() => {
        this.queued.delete(job.key);
        this.inFlight--;
        this.pump();
        if (this.queue.length === 0 && this.inFlight === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  /** One file to its server, or to the next ones nginx would try; never rejects. */
  private async fill(job: Job): Promise<void> {
    const targets = this.target.tryOrder(job.uri);
    for (let i = 0; i < targets.length; i++) {
      const server = targets[i]!;
      let stored: boolean;
      try {
        // Flags 0 (nginx memcached_gzip_flag reads them; ours are plain bytes), no expiry.
        stored = await server.set(job.key, job.body);
      } catch (err) {
        this.failedOn(server.addr, err as Error);
        continue;
      }
      this.workedOn(server.addr);
      if (!stored) this.stats.notStored++;
      else if (i === 0) this.stats.stored++;
      else this.stats.failedOver++;
      if (!stored || i === 0) this.remember(job.key, this.now());
      return;
    }
    this.stats.failed++;
  }

  private failedOn(addr: string, err: Error): void {
    // One line per server outage, not one per request: the site keeps working.
    if (this.down.has(addr)) return;
    this.down.add(addr);
    const meanwhile =
      this.target.servers.length > 1
        ? 'its files go to the next server nginx tries, or are served from disk'
        : 'static files are served from disk meanwhile';
    this.o.log?.(`memcached fill failed, ${meanwhile}: ${err.message}`);
  }

  private workedOn(addr: string): void {
    if (this.down.delete(addr)) this.o.log?.(`memcached ${addr} is back: filling static files again`);
  }

  private remember(key: string, at: number): void {
    this.recent.delete(key);
    this.recent.set(key, at);
    if (this.recent.size > RECENT_CAP) this.recent.delete(this.recent.keys().next().value!);
  }
}
