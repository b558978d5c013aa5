import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Asset, AssetSource } from './asset-source.js';
import { contentTypeFor } from './content-types.js';

// Static files are immutable once seeded, so each is read and hashed once per process; the cap
// only guards against someone dropping large files into the static root.
const MAX_CACHED_BYTES = 64 * 1024 * 1024;

/**
 * Static files from a directory (the static root next to the database). The ETag is a content
 * hash, not size+mtime, so every app process of a multi-process stage gives the same validator.
 */
export class DiskSource implements AssetSource {
  private readonly root: string;
  private readonly cache = new Map<string, Asset>();
  private cachedBytes = 0;
  private realRoot: string | undefined;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async get(relPath: string): Promise<Asset | undefined> {
    const hit = this.cache.get(relPath);
    if (hit !== undefined) return hit;
    // Defence in depth: the handler already rejected '..', NUL and backslashes.
    const full = resolve(this.root, relPath);
    if (!full.startsWith(this.root + sep) || relPath.includes('\0')) return undefined;
    let body: Buffer;
    let mtime: Date;
    try {
      // A symlink inside the root that points outside it is refused too.
      this.realRoot ??= await realpath(this.root);
      if (!(await realpath(full)).startsWith(this.realRoot + sep)) return undefined;
      const st = await stat(full);
      if (!st.isFile()) return undefined;
      mtime = st.mtime;
      body = await readFile(full);
    } catch {
      return undefined;
    }
    const asset: Asset = {
      path: `/static/${relPath}`,
      body,
      contentType: contentTypeFor(relPath),
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
      // HTTP dates have whole seconds; keep the same precision for If-Modified-Since comparisons.
      lastModified: new Date(Math.floor(mtime.getTime() / 1000) * 1000),
    };
    if (this.cachedBytes + body.length <= MAX_CACHED_BYTES) {
      this.cache.set(relPath, asset);
      this.cachedBytes += body.length;
    }
    return asset;
  }

  async close(): Promise<void> {
    this.cache.clear();
    this.cachedBytes = 0;
  }
}
