/**
 * CSS → the subresources a browser fetches because a stylesheet names them: `url(...)` (fonts in
 * @font-face, background images, cursors, masks) and `@import`ed stylesheets (whose own url()s
 * follow in turn). Resolved against the stylesheet's URL, not the page's (CSS Values 4 §4.5.1),
 * same-origin only. A regex scan after comments are removed: no CSS escapes, and every url() is
 * fetched — a browser fetches a font only when text uses it and a background only when an element
 * matches its rule, so this over-fetches a stylesheet's unused rules (docs/cli.md, "--page").
 */
import type { PageAsset } from './extract-assets.js';

const COMMENT = /\/\*[\s\S]*?\*\//g;
/** Group 1: `@import` before a url(); 2–4: the url() value; 5–6: `@import "x.css"`. */
const REF =
  /(@import\s+)?url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')/gi;

export function extractCssUrls(css: string, cssUrl: string): PageAsset[] {
  const base = new URL(cssUrl);
  const out: PageAsset[] = [];
  const seen = new Set<string>();
  for (const m of css.replace(COMMENT, '').matchAll(REF)) {
    const isImport = m[1] !== undefined || m[5] !== undefined || m[6] !== undefined;
    const ref = (m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6] ?? '').trim();
    // '#id' points into the same document (SVG filters, markers): nothing to fetch.
    if (ref === '' || ref.startsWith('#') || /^data:/i.test(ref)) continue;
    let u: URL;
    try {
      u = new URL(ref, base);
    } catch {
      continue;
    }
    if (u.origin !== base.origin) continue;
    const target = u.pathname + u.search;
    if (seen.has(target)) continue;
    seen.add(target);
    out.push({ target, css: isImport });
  }
  return out;
}

/**
 * The same stylesheet arrives on every page view: its references are worked out once per thread
 * and text (a string compare, native), not re-scanned per view. At most 256 stylesheets kept.
 */
const memo = new Map<string, { text: string; refs: PageAsset[] }>();

export function cssUrlsOnce(css: string, cssUrl: string): PageAsset[] {
  const hit = memo.get(cssUrl);
  if (hit !== undefined && hit.text === css) return hit.refs;
  if (memo.size >= 256) memo.clear();
  const refs = extractCssUrls(css, cssUrl);
  memo.set(cssUrl, { text: css, refs });
  return refs;
}

/** The references of the last full response of that stylesheet (a 304 revalidation has no body). */
export function lastCssUrls(cssUrl: string): PageAsset[] {
  return memo.get(cssUrl)?.refs ?? [];
}
