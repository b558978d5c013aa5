/**
 * HTML → the same-origin subresources a browser would fetch before the page is "loaded":
 * stylesheets (<link rel=stylesheet href>), scripts (<script src>) and images (<img src>, and the
 * first URL of srcset). Cross-origin URLs are skipped: the benchmark measures one site. A regex
 * scan, not a DOM: it only has to find attribute values, and it runs once per page view.
 */
const TAG = /<(link|script|img)\b([^>]*)>/gi;
/** Root-relative, no dot segments, escapes, fragments or entities: already a request target. */
const SIMPLE_PATH = /^\/(?!\/)(?!.*\/\.\.?(?:[/?]|$))[A-Za-z0-9_\-~./?=,+:@!$'()*;]*$/;
const ATTR = /([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g;

export function extractAssets(html: string, pageUrl: string): string[] {
  const hasBase = /<base\b/i.test(html);
  const base = new URL(hasBase ? baseHref(html, pageUrl) : pageUrl);
  const page = new URL(pageUrl);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of html.matchAll(TAG)) {
    const tag = m[1]!.toLowerCase();
    const attrs = attributes(m[2]!);
    let ref: string | undefined;
    if (tag === 'link') {
      const rel = (attrs.get('rel') ?? '').toLowerCase().split(/\s+/);
      if (rel.includes('stylesheet') || rel.includes('icon')) ref = attrs.get('href');
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
      if (!seen.has(ref)) {
        seen.add(ref);
        out.push(ref);
      }
      continue;
    }
    let u: URL;
    try {
      u = new URL(decodeEntities(ref), base);
    } catch {
      continue;
    }
    if (u.origin !== page.origin) continue;
    u.hash = '';
    const key = u.pathname + u.search;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(key);
    }
  }
  return out;
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
