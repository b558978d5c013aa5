import { FkError } from '../../errors.js';
import { CRC32_INIT, crc32, crc32Final, crc32Update } from '../net/crc32.js';

/**
 * The server nginx's `hash KEY consistent;` picks for a key, computed here so that the app stores
 * each static file on exactly the memcached nginx will read it from (stage fleet's cache hosts).
 *
 * "Ketama-style" but not libketama: libketama hashes points with MD5; nginx uses CRC-32, in the
 * form of Cache::Memcached::Fast. A stock ketama client would disagree with nginx on most keys,
 * hence this file. Source: nginx 1.22.1 (Debian 12's `nginx -v`), file
 * src/http/modules/ngx_http_upstream_hash_module.c at tag release-1.22.1 — line numbers below
 * ("hash.c:N") are of that file.
 *
 * Points (ngx_http_upstream_init_chash, hash.c:285-408):
 * - Each peer gets `weight × 160` points (hash.c:309, :368); we render no weight=, so 160.
 * - A point hashes the server's name *as written in the config* (`peer->server`, hash.c:322; set
 *   from the `server` directive's first argument: ngx_http_upstream.c:6075 and :6087,
 *   ngx_http_upstream_round_robin.c:105) — not the resolved address. So the ring must be built
 *   from the very strings nginx.conf lists, in the same order.
 * - The name is split into HOST and PORT (hash.c:329-358): `unix:PATH` → HOST = PATH, no port;
 *   otherwise scan from the end over digits: a ':' ends the port, any other character first means
 *   there is no port and HOST is the whole name. base = crc32_update(HOST, "\0", PORT) — the NUL
 *   byte is always there, even without a port (hash.c:362-365).
 * - Point j = crc32_final(crc32_update(base, prev_hash as 4 little-endian bytes)) with prev_hash =
 *   0 for j = 0 and point j-1 afterwards (hash.c:367-388; the #else branch makes big-endian hosts
 *   write the same bytes).
 * - All points are sorted by hash and equal hashes dropped, keeping the first (hash.c:391-402).
 *   glibc's qsort is a stable merge sort here, so the first is the earlier server in config order;
 *   Array.prototype.sort is stable too. (A collision among 320 32-bit points: ~1 in 80,000 rings.)
 *
 * A key (ngx_http_upstream_init_chash_peer, hash.c:463-489): hash = crc32 of the key's bytes,
 * all 32 bits (ngx_crc32_long, hash.c:480); the start is the first point >= hash by binary search
 * (hash.c:431-460), which may be one past the last point; the server is point[start % number]
 * (hash.c:527): past the last point the ring wraps to the first.
 *
 * When that server cannot be used (ngx_http_upstream_get_chash_peer, hash.c:492-619): a peer is
 * skipped when already tried by this request, marked `down`, failed (max_fails reached within
 * fail_timeout) or at max_conns (hash.c:544-561); if no peer of the point's server is usable, the
 * next point is taken (hash.c:588-589). After 20 such steps (hash.c:591, and :512 on the next
 * call) nginx falls back to plain weighted round-robin, which no one outside can predict. A
 * request's next try after an error or timeout (memcached_next_upstream, default `error timeout`)
 * continues from the same point with the first server marked tried: `tryOrder()`.
 *
 * One server: the peer list is `single` (ngx_http_upstream_round_robin.c:79) and nginx skips the
 * ring (hash.c:512-515) — that server, always. An empty key also skips the ring (round-robin);
 * memcached keys and $uri are never empty, so it is refused here.
 */
export const POINTS_PER_SERVER = 160;
/** Point steps nginx takes before it gives up on the ring (hash.c:591). */
export const MAX_STEPS = 20;

export class ConsistentHashRing {
  readonly servers: readonly string[];
  /** Sorted, distinct point hashes, and the index in `servers` of each point's server. */
  private readonly hashes: Uint32Array;
  private readonly owners: Uint32Array;

  constructor(servers: readonly string[]) {
    if (servers.length === 0) throw new FkError('E_USAGE', 'a memcached ring needs at least one server');
    const seen = new Set<string>();
    for (const s of servers) {
      if (s === '' || /\s/.test(s)) throw new FkError('E_USAGE', `'${s}' is not a memcached server name`);
      if (seen.has(s)) throw new FkError('E_USAGE', `memcached server ${s} is listed twice`);
      seen.add(s);
    }
    this.servers = [...servers];
    const points: Array<{ hash: number; owner: number }> = [];
    this.servers.forEach((s, owner) => {
      for (const hash of serverPoints(s)) points.push({ hash, owner });
    });
    points.sort((a, b) => a.hash - b.hash);
    const distinct = points.filter((p, i) => i === 0 || p.hash !== points[i - 1]!.hash);
    this.hashes = Uint32Array.from(distinct, (p) => p.hash);
    this.owners = Uint32Array.from(distinct, (p) => p.owner);
  }

  /** Points on the ring (320 for two servers, fewer only after a hash collision). */
  get points(): number {
    return this.hashes.length;
  }

  /** The server nginx picks for `key` while every server is usable. */
  serverFor(key: string): string {
    if (this.servers.length === 1) return this.servers[0]!;
    return this.servers[this.owners[this.startOf(key) % this.hashes.length]!]!;
  }

  /**
   * The servers in the order one nginx request tries them when each earlier one fails (connect
   * error or timeout): distinct servers of the points start, start+1, … start+20. Servers not
   * reached within those 20 steps are left out: nginx would pick them round-robin.
   */
  tryOrder(key: string): string[] {
    if (this.servers.length === 1) return [this.servers[0]!];
    const start = this.startOf(key);
    const out: string[] = [];
    for (let step = 0; step <= MAX_STEPS && out.length < this.servers.length; step++) {
      const s = this.servers[this.owners[(start + step) % this.hashes.length]!]!;
      if (!out.includes(s)) out.push(s);
    }
    return out;
  }

  private startOf(key: string): number {
    if (key === '') {
      throw new FkError(
        'E_BACKEND_PROTOCOL',
        'an empty key has no place on the ring (nginx balances it round-robin)',
      );
    }
    return firstPointAtOrAbove(this.hashes, crc32(key));
  }
}

/**
 * ngx_http_upstream_find_chash_point (hash.c:431-460): the index of the first point >= hash, or
 * `hashes.length` when hash is above every point (the caller wraps with `% length`).
 */
export function firstPointAtOrAbove(hashes: ArrayLike<number>, hash: number): number {
  let i = 0;
  let j = hashes.length;
  while (i < j) {
    const k = (i + j) >>> 1;
    if (hash > hashes[k]!) i = k + 1;
    else if (hash < hashes[k]!) j = k;
    else return k;
  }
  return i;
}

/** HOST and PORT as nginx splits a server name before hashing it (hash.c:329-358). */
export function splitServerName(name: string): { host: Buffer; port: Buffer } {
  const b = Buffer.from(name, 'utf8');
  if (b.length >= 5 && b.subarray(0, 5).toString('latin1').toLowerCase() === 'unix:') {
    return { host: b.subarray(5), port: Buffer.alloc(0) };
  }
  for (let j = 0; j < b.length; j++) {
    const c = b[b.length - j - 1]!;
    if (c === 0x3a /* ':' */)
      return { host: b.subarray(0, b.length - j - 1), port: b.subarray(b.length - j) };
    if (c < 0x30 || c > 0x39) break;
  }
  return { host: b, port: Buffer.alloc(0) };
}

/** The 160 point hashes of one server, in the order nginx makes them (hash.c:362-388). */
export function serverPoints(name: string): number[] {
  const { host, port } = splitServerName(name);
  const base = crc32Update(crc32Update(crc32Update(CRC32_INIT, host), NUL), port);
  const prev = Buffer.alloc(4);
  const out: number[] = [];
  for (let j = 0; j < POINTS_PER_SERVER; j++) {
    const hash = crc32Final(crc32Update(base, prev));
    out.push(hash);
    prev.writeUInt32LE(hash, 0);
  }
  return out;
}

const NUL = Buffer.from([0]);
