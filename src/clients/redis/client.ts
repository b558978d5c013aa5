import { FkError } from '../../errors.js';
import { PipelinedConnection } from '../net/pipelined-connection.js';
import { type Arg, decodeReply, encodeCommand, type RespValue } from './resp.js';

/**
 * A small Redis client: RESP2 over one pipelined connection. Why not ioredis or node-redis: an
 * app process imports its session store at start-up, and the field notes measured 90-220 ms per
 * imported Redis client on this machine; this file imports only node:net. We need a handful of
 * commands (GET, SET NX PX, GETEX, DEL, PEXPIRE, EVAL, PING), no cluster, no pub/sub.
 */
export interface RedisClientOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  maxPending?: number;
  retryDelayMs?: number;
}

export interface SetOptions {
  /** Expire after this many milliseconds. */
  px?: number;
  /** Expire after this many seconds. */
  ex?: number;
  /** Only set if the key does not exist (a lock, or a fresh id). */
  nx?: boolean;
  /** Only set if the key exists. */
  xx?: boolean;
}

export class RedisClient {
  /** redis://host:port/db, without credentials (safe to log). */
  readonly url: string;
  private readonly conn: PipelinedConnection;

  constructor(url: string, opts: RedisClientOptions = {}) {
    const u = parseRedisUrl(url);
    this.url = `redis://${u.host}:${u.port}/${u.db}`;
    this.conn = new PipelinedConnection({
      host: u.host,
      port: u.port,
      name: `redis ${u.host}:${u.port}`,
      connectTimeoutMs: opts.connectTimeoutMs ?? 1000,
      commandTimeoutMs: opts.commandTimeoutMs ?? 1000,
      maxPending: opts.maxPending,
      retryDelayMs: opts.retryDelayMs,
      handshake: () => {
        const h = [];
        if (u.password !== undefined) {
          const auth = u.username === undefined ? ['AUTH', u.password] : ['AUTH', u.username, u.password];
          h.push({ payload: Buffer.concat(encodeCommand(auth)), decode: decodeReply });
        }
        if (u.db !== 0)
          h.push({ payload: Buffer.concat(encodeCommand(['SELECT', u.db])), decode: decodeReply });
        return h;
      },
    });
  }

  /** Any command; an error reply rejects with E_BACKEND_PROTOCOL. */
  command(args: Arg[]): Promise<RespValue> {
    return this.conn.send(encodeCommand(args), decodeReply);
  }

  async ping(): Promise<string> {
    return String(await this.command(['PING']));
  }

  async get(key: string): Promise<string | null> {
    return str(await this.command(['GET', key]));
  }

  async getBuffer(key: string): Promise<Buffer | null> {
    const v = await this.command(['GET', key]);
    return Buffer.isBuffer(v) ? v : null;
  }

  /** true when set; false when NX / XX prevented it. */
  async set(key: string, value: string | Buffer, o: SetOptions = {}): Promise<boolean> {
    const args: Arg[] = ['SET', key, value];
    if (o.px !== undefined) args.push('PX', positive(o.px, 'PX'));
    if (o.ex !== undefined) args.push('EX', positive(o.ex, 'EX'));
    if (o.nx) args.push('NX');
    if (o.xx) args.push('XX');
    return (await this.command(args)) === 'OK';
  }

  /** GET that also sets the key's time to live, atomically (Redis >= 6.2). */
  async getex(key: string, o: { px: number }): Promise<string | null> {
    return str(await this.command(['GETEX', key, 'PX', positive(o.px, 'PX')]));
  }

  /** Number of keys removed. */
  async del(...keys: string[]): Promise<number> {
    return Number(await this.command(['DEL', ...keys]));
  }

  async pexpire(key: string, ms: number): Promise<boolean> {
    return (await this.command(['PEXPIRE', key, positive(ms, 'PEXPIRE')])) === 1;
  }

  /** Milliseconds left; -1 without expiry, -2 when the key does not exist. */
  async pttl(key: string): Promise<number> {
    return Number(await this.command(['PTTL', key]));
  }

  async eval(script: string, keys: string[], args: Arg[] = []): Promise<RespValue> {
    return this.command(['EVAL', script, keys.length, ...keys, ...args]);
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

function str(v: RespValue): string | null {
  return Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : null;
}

function positive(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new FkError('E_BACKEND_PROTOCOL', `redis ${what} must be a positive integer, not ${n}`);
  }
  return n;
}

export interface RedisUrl {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

/** redis://[[user]:password@]host[:port][/db] */
export function parseRedisUrl(url: string): RedisUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FkError('E_USAGE', `'${url}' is not a Redis URL (e.g. redis://127.0.0.1:6379)`);
  }
  const db = u.pathname === '' || u.pathname === '/' ? 0 : Number(u.pathname.slice(1));
  if (u.protocol !== 'redis:' || u.hostname === '' || !Number.isInteger(db) || db < 0) {
    throw new FkError(
      'E_USAGE',
      `'${url}' is not a Redis URL (e.g. redis://127.0.0.1:6379/0; rediss: is not supported)`,
    );
  }
  const out: RedisUrl = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? 6379 : Number(u.port),
    db,
  };
  if (u.password !== '') out.password = decodeURIComponent(u.password);
  if (u.username !== '') out.username = decodeURIComponent(u.username);
  return out;
}
