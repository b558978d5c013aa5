/**
 * HTML → the same-origin subresources a browser fetches before the page is "loaded":
 * stylesheets (<link rel=stylesheet>), what the page asks to have early (<link rel=preload>,
 * <link rel=modulepreload>) or shows in the tab (<link rel=icon>), scripts (<script src>), images
 * (<img src>, else the first candidate of srcset) and the url()s of inline <style> blocks.
 * Stylesheets are marked `css`: the virtual user reads their bodies for url() and @import
 * (css-urls.ts), as a browser does. Cross-origin URLs are skipped: the benchmark measures one
 * site. A regex scan, not a DOM: it only has to find attribute values, once per page view.
 * Its limits (no script runs, srcset's first candidate, media ignored, ...) are in docs/cli.md.
 */
import { extractCssUrls } from './css-urls.js';

export interface PageAsset {
  /** Path + query: the request target. */
  target: string;
  /** A stylesheet: its body names more subresources. */
  css: boolean;
}

const TAG = /<(link|script|img|style)\b([^>]*)>/gi;
/** Root-relative, no dot segments, escapes, fragments or entities: already a request target. */
const SIMPLE_PATH = /^\/(?!\/)(?!.*\/\.\.?(?:[/?]|$))[A-Za-z0-9_\-~./?=,+:@!$'()*;]*$/;
const ATTR = /([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g;
/** <link rel> values a browser fetches for the page being loaded (not prefetch: that is for the next one). */
const FETCHED_RELS = ['stylesheet', 'icon', 'preload', 'modulepreload'];

/** The targets only (the ladder's smoke check asks each of them for a 200). */
export function extractAssets(html: string, pageUrl: string): string[] {
  return extractPageAssets(html, pageUrl).map((a) => a.target);
}

export function extractPageAssets(html: string, pageUrl: string): PageAsset[] {
  const hasBase = /<base\b/i.test(html);
  const base = new URL(hasBase ? baseHref(html, pageUrl) : pageUrl);
  const page = new URL(pageUrl);
  const index = new Map<string, PageAsset>();
  const add = (target: string, css: boolean) => {
    const had = index.get(target);
    // `preload as=style` then the stylesheet itself: one fetch, read as CSS.
    if (had === undefined) index.set(target, { target, css });
    else if (css) had.css = true;
  };
  for (const m of html.matchAll(TAG)) {
    const tag = m[1]!.toLowerCase();
    if (tag === 'style') {
      const end = html.indexOf('</style', m.index + m[0].length);
      const text = html.slice(m.index + m[0].length, end < 0 ? html.length : end);
      for (const a of extractCssUrls(text, base.href)) add(a.target, a.css);
      continue;
    }
    const attrs = attributes(m[2]!);
    let ref: string | undefined;
    let css = false;
    if (tag === 'link') {
      const rel = (attrs.get('rel') ?? '').toLowerCase().split(/\s+/);
      if (rel.some((r) => FETCHED_RELS.includes(r))) ref = attrs.get('href');
      css = rel.includes('stylesheet');
    } else {
      ref =
        attrs.get('src') ??
        attrs
          .get('srcset')
          ?.trim()
          .split(/[\s,]+/)[0];
    }
    if (ref === undefined || ref === '' || ref.startsWith('data:')) continue;
    // Fast path for the common root-relative reference ("/static/site.css"): nothing to resolve,
    // so no URL parse per asset per page view (it showed in the generator's profile).
    if (!hasBase && SIMPLE_PATH.test(ref)) {
      add(ref, css);
      continue;
    }
    let u: URL;
    try {
      u = new URL(decodeEntities(ref), base);
    } catch {
      continue;
    }
    if (u.origin !== page.origin) continue;
    add(u.pathname + u.search, css);
  }
  return [...index.values()];
}

function attributes(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const a of text.matchAll(ATTR)) map.set(a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '');
  return map;
}

function baseHref(html: string, pageUrl: string): string {
  const m = /<base\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)/i.exec(html);
  if (!m) return pageUrl;
  try {
    return new URL(m[1]!, pageUrl).href;
  } catch {
    return pageUrl;
  }
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&#38;/g, '&')
    .replace(/&quot;/g, '"');
}
