import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from './png-encoder.js';

export const THUMB_COUNT = 1000;
export const THUMB_SIZE = 75;

/** 'thumbs/t0042.png': the path photos store, relative to the static root. */
export function thumbnailPath(n: number): string {
  return `thumbs/t${String(n % THUMB_COUNT).padStart(4, '0')}.png`;
}

/**
 * Thumbnail n: a deterministic picture (gradient, stripes, checks or rings in a hue picked from n),
 * so the same seed gives byte-identical files and real image bytes for the static benchmarks.
 */
export function thumbnailPng(n: number): Buffer {
  const s = THUMB_SIZE;
  const rgb = new Uint8Array(s * s * 3);
  const hue = (n * 137) % 360;
  const [r0, g0, b0] = hsl(hue, 0.65, 0.55);
  const [r1, g1, b1] = hsl((hue + 180) % 360, 0.5, 0.3);
  const kind = n % 4;
  const period = 5 + (n % 11);
  // A little deterministic grain, so a thumbnail weighs what a real one does (a few KB), not 200 B.
  let grain = (n + 1) * 2654435761;
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      let t: number;
      if (kind === 0) t = (x + y) / (2 * s - 2);
      else if (kind === 1) t = Math.floor((x + y) / period) % 2;
      else if (kind === 2) t = (Math.floor(x / period) + Math.floor(y / period)) % 2;
      else t = Math.floor(Math.hypot(x - s / 2, y - s / 2) / period) % 2;
      grain = (Math.imul(grain, 1103515245) + 12345) >>> 0;
      const d = ((grain >>> 16) & 3) - 2;
      const i = (y * s + x) * 3;
      rgb[i] = clamp(r0 + (r1 - r0) * t + d);
      rgb[i + 1] = clamp(g0 + (g1 - g0) * t + d);
      rgb[i + 2] = clamp(b0 + (b1 - b0) * t + d);
    }
  }
  return encodePng(s, s, rgb);
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

function hsl(h: number, s: number, l: number): [number, number, number] {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] =
    h < 60
      ? [c, x, 0]
      : h < 120
        ? [x, c, 0]
        : h < 180
          ? [0, c, x]
          : h < 240
            ? [0, x, c]
            : h < 300
              ? [x, 0, c]
              : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Writes `bytes` unless the file already holds exactly them; true when it wrote. */
function writeIfChanged(path: string, bytes: Buffer): boolean {
  try {
    if (readFileSync(path).equals(bytes)) return false;
  } catch {
    // missing: write it
  }
  writeFileSync(path, bytes);
  return true;
}

/**
 * Fills a static root: the 1,000 thumbnails under thumbs/ and a copy of the site files (CSS, JS,
 * logo). Files already present and identical are left alone, so their mtime (Last-Modified) and
 * the ETag stay stable across reseeds.
 */
export function writeStaticRoot(
  staticRoot: string,
  siteAssetsDir: string,
): { written: number; kept: number } {
  let written = 0;
  let kept = 0;
  mkdirSync(join(staticRoot, 'thumbs'), { recursive: true });
  for (let n = 0; n < THUMB_COUNT; n++) {
    if (writeIfChanged(join(staticRoot, thumbnailPath(n)), thumbnailPng(n))) written++;
    else kept++;
  }
  for (const name of readdirSync(siteAssetsDir)) {
    const src = join(siteAssetsDir, name);
    if (!statSync(src).isFile()) continue;
    if (writeIfChanged(join(staticRoot, name), readFileSync(src))) written++;
    else kept++;
  }
  return { written, kept };
}
