import type { PageAsset } from './extract-assets.js';

/**
 * One page view's fetch queue: the page's assets in document order, then what its stylesheets
 * name as they arrive. Each target is fetched once per view, however many times the HTML and its
 * stylesheets name it (a browser's memory cache does the same within a page load).
 */
export class PageAssets {
  private queue: PageAsset[] = [];
  private next = 0;
  private readonly seen = new Set<string>();

  reset(assets: PageAsset[]): void {
    this.queue = [];
    this.next = 0;
    this.seen.clear();
    this.add(assets);
  }

  add(assets: PageAsset[]): void {
    for (const a of assets) {
      if (this.seen.has(a.target)) continue;
      this.seen.add(a.target);
      this.queue.push(a);
    }
  }

  /** The next asset to fetch, or undefined when every one queued so far has been taken. */
  take(): PageAsset | undefined {
    return this.next < this.queue.length ? this.queue[this.next++] : undefined;
  }
}
