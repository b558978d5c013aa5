import { FkError } from '../../errors.js';
import { PipelinedConnection } from '../net/pipelined-connection.js';
import { assertValidKey } from './key.js';
import {
  decodeGet,
  decodeStorage,
  decodeVersion,
  decodeWord,
  encodeLine,
  encodeStorage,
  type Item,
  type StoreStatus,
} from './text-protocol.js';

export type { Item, StoreStatus } from './text-protocol.js';

/**
 * A small memcached client: one pipelined text-protocol connection (see text-protocol.ts for why
 * text and why our own). It imports only node:net, which matters for the app's cold start (the
 * field notes measured 90-220 ms per imported database client).
 */
export interface MemcachedClientOptions {
  connectTimeoutMs?: number;
  /** memcached answers loopback requests in well under a millisecond; 500 ms means it is gone. */
  commandTimeoutMs?: number;
  maxPending?: number;
  retryDelayMs?: number;
}

export interface StoreOptions {
  /** 32-bit unsigned item flags (nginx: memcached_gzip_flag reads them). */
  flags?: number;
  /** Seconds; 0 = never; over 30 days memcached reads it as a Unix time. */
  exptime?: number;
}

export class MemcachedClient {
  readonly addr: string;
  private readonly conn: PipelinedConnection;

  constructor(addr: string, opts: MemcachedClientOptions = {}) {
    const { host, port } = parseHostPort(addr, 11211);
    this.addr = `${host}:${port}`;
    this.conn = new PipelinedConnection({
      host,
      port,
      name: `memcached ${this.addr}`,
      connectTimeoutMs: opts.connectTimeoutMs ?? 1000,
      commandTimeoutMs: opts.commandTimeoutMs ?? 500,
      maxPending: opts.maxPending,
      retryDelayMs: opts.retryDelayMs,
    });
  }

  async get(key: string): Promise<Item | undefined> {
    assertValidKey(key);
    return this.conn.send(encodeLine(`get ${key}`), decodeGet);
  }

  /** Like get, with the item's CAS unique for a later cas(). */
  async gets(key: string): Promise<Item | undefined> {
    assertValidKey(key);
    return this.conn.send(encodeLine(`gets ${key}`), decodeGet);
  }

  /** Get and touch: returns the item and sets its exptime, in one atomic server-side step. */
  async gat(exptime: number, key: string): Promise<Item | undefined> {
    assertValidKey(key);
    return this.conn.send(encodeLine(`gat ${int(exptime, 'exptime')} ${key}`), decodeGet);
  }

  /** true when stored; false when memcached refused the item (too large, out of memory). */
  async set(key: string, value: Buffer | string, o: StoreOptions = {}): Promise<boolean> {
    return (await this.store('set', key, value, o)) === 'STORED';
  }

  /** Stores only if the key is absent: false when it exists. */
  async add(key: string, value: Buffer | string, o: StoreOptions = {}): Promise<boolean> {
    return (await this.store('add', key, value, o)) === 'STORED';
  }

  /** Stores only if nobody wrote the item since gets(): 'EXISTS' if someone did, 'NOT_FOUND' if it is gone. */
  async cas(key: string, value: Buffer | string, cas: bigint, o: StoreOptions = {}): Promise<StoreStatus> {
    return this.store('cas', key, value, o, cas);
  }

  async delete(key: string): Promise<boolean> {
    assertValidKey(key);
    return this.conn.send(encodeLine(`delete ${key}`), decodeWord('DELETED', 'NOT_FOUND'));
  }

  async touch(key: string, exptime: number): Promise<boolean> {
    assertValidKey(key);
    return this.conn.send(
      encodeLine(`touch ${key} ${int(exptime, 'exptime')}`),
      decodeWord('TOUCHED', 'NOT_FOUND'),
    );
  }

  async version(): Promise<string> {
    return this.conn.send(encodeLine('version'), decodeVersion);
  }

  close(): Promise<void> {
    return this.conn.close();
  }

  private async store(
    cmd: 'set' | 'add' | 'cas',
    key: string,
    value: Buffer | string,
    o: StoreOptions,
    cas?: bigint,
  ): Promise<StoreStatus> {
    assertValidKey(key);
    const flags = o.flags ?? 0;
    if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) {
      throw new FkError(
        'E_BACKEND_PROTOCOL',
        `memcached flags must be a 32-bit unsigned integer, not ${flags}`,
      );
    }
    const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    const payload = encodeStorage(cmd, key, body, flags, int(o.exptime ?? 0, 'exptime'), cas);
    return this.conn.send(payload, decodeStorage);
  }
}

function int(n: number, what: string): number {
  if (!Number.isSafeInteger(n))
    throw new FkError('E_BACKEND_PROTOCOL', `memcached ${what} must be an integer, not ${n}`);
  return n;
}

/** 'host:port', '[::1]:port' or 'host' (default port). */
export function parseHostPort(addr: string, defaultPort: number): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(addr.trim());
  const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
  if (m === null || port < 1 || port > 65535) {
    throw new FkError('E_USAGE', `'${addr}' is not HOST:PORT (e.g. 127.0.0.1:11211)`);
  }
  return { host: m[1] ?? m[2]!, port };
}
