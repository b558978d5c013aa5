/**
 * CRC-32, shared by the PNG encoder (every chunk ends with one, PNG spec 5.5) and the memcached
 * ring. As nginx computes it (src/core/ngx_crc32.h, ngx_crc32_long / ngx_crc32_update): the
 * reflected IEEE 802.3 polynomial 0xEDB88320, initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF —
 * the same CRC as zlib's crc32(). Our own table rather than node:zlib's crc32(), which arrived in
 * Node 20.15 while package.json promises >= 20.10.
 *
 * `crc32Update` continues an unfinished CRC (nginx's ngx_crc32_update without ngx_crc32_final):
 * the consistent-hash ring hashes "HOST\0PORT" once and then extends that state with each point's
 * four bytes.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** ngx_crc32_init */
export const CRC32_INIT = 0xffffffff;

/** ngx_crc32_update: extends an unfinished CRC state with `bytes`. */
export function crc32Update(state: number, bytes: Uint8Array): number {
  let c = state;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** ngx_crc32_final */
export function crc32Final(state: number): number {
  return (state ^ 0xffffffff) >>> 0;
}

/** ngx_crc32_long: the CRC-32 of a byte string, or of a string's UTF-8 bytes. */
export function crc32(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return crc32Final(crc32Update(CRC32_INIT, bytes));
}
