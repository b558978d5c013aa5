import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inflateSync, crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, encodePng } from '../../../src/assets/png-encoder.js';
import {
  THUMB_COUNT,
  thumbnailPath,
  thumbnailPng,
  writeStaticRoot,
} from '../../../src/assets/static-site.js';
import { SITE_ASSETS_DIR } from '../../../src/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-png-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('crc32 matches zlib', () => {
  for (const s of ['', 'IEND', 'The quick brown fox', '写真']) {
    const b = Buffer.from(s);
    assert.equal(crc32(b), zlibCrc32(b), s);
  }
});

test('encodePng: signature, IHDR, valid chunk CRCs, pixels round-trip', () => {
  const rgb = new Uint8Array(3 * 2 * 3).map((_, i) => i * 10);
  const png = encodePng(3, 2, rgb);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  const chunks: Array<{ type: string; data: Buffer }> = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    assert.equal(png.readUInt32BE(off + 8 + len), crc32(png.subarray(off + 4, off + 8 + len)), `${type} crc`);
    chunks.push({ type, data });
    off += 12 + len;
  }
  assert.deepEqual(
    chunks.map((c) => c.type),
    ['IHDR', 'IDAT', 'IEND'],
  );
  const ihdr = chunks[0]!.data;
  assert.deepEqual([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]], [3, 2, 8, 2]);
  const raw = inflateSync(chunks[1]!.data);
  assert.deepEqual([...raw.subarray(1, 10)], [...rgb.subarray(0, 9)]);
  assert.deepEqual([...raw.subarray(11, 20)], [...rgb.subarray(9, 18)]);
  assert.throws(() => encodePng(2, 2, new Uint8Array(3)), RangeError);
});

test('thumbnails are 75×75, deterministic and varied', () => {
  const a = thumbnailPng(42);
  assert.ok(a.equals(thumbnailPng(42)));
  assert.ok(!a.equals(thumbnailPng(43)));
  assert.equal(a.readUInt32BE(16), 75);
  assert.equal(a.readUInt32BE(20), 75);
  assert.equal(thumbnailPath(42), 'thumbs/t0042.png');
  assert.equal(thumbnailPath(THUMB_COUNT + 7), 'thumbs/t0007.png');
});

test('writeStaticRoot writes 1,000 thumbnails and the site files once, then keeps them', () => {
  const root = join(dir, 'static');
  const first = writeStaticRoot(root, SITE_ASSETS_DIR);
  const site = readdirSync(SITE_ASSETS_DIR).length;
  assert.deepEqual(first, { written: THUMB_COUNT + site, kept: 0 });
  assert.equal(readdirSync(join(root, 'thumbs')).length, THUMB_COUNT);
  assert.ok(readFileSync(join(root, 'site.css')).equals(readFileSync(join(SITE_ASSETS_DIR, 'site.css'))));
  const mtime = statSync(join(root, 'thumbs', 't0001.png')).mtimeMs;
  writeFileSync(join(root, 'thumbs', 't0002.png'), 'damaged');
  const second = writeStaticRoot(root, SITE_ASSETS_DIR);
  assert.deepEqual(second, { written: 1, kept: THUMB_COUNT + site - 1 });
  assert.equal(statSync(join(root, 'thumbs', 't0001.png')).mtimeMs, mtime);
  assert.ok(readFileSync(join(root, 'thumbs', 't0002.png')).equals(thumbnailPng(2)));
});
