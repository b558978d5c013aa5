/**
 * Before a stage is benchmarked, check it serves the right thing: a fast wrong answer (an error
 * page, another user's photos, a 404 for every thumbnail) would otherwise top the table. One
 * virtual user: log in, view the user's page, fetch every asset it references — the same list the
 * benchmark's virtual users will fetch (the bench's own extractAssets).
 */
import { extractAssets } from '../bench/extract-assets.js';
import { escapeXml } from '../report/svg-charts.js';

export interface SmokeUser {
  id: number;
  /** Any of these appearing in the page (raw or HTML-escaped) proves it is this user's page. */
  names: string[];
}

export interface SmokeResult {
  ok: boolean;
  /** One line, when not ok. */
  reason?: string;
  assets: number;
}

/**
 * The app's templates (eta, autoEscape) escape a name with the same five entities as the report's
 * escapeXml; a page may also show it raw (no special characters).
 */
function containsName(html: string, name: string): boolean {
  return html.includes(name) || html.includes(escapeXml(name));
}

export async function smokeCheck(
  baseUrl: string,
  user: SmokeUser,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<SmokeResult> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const sig = () =>
    opts.signal
      ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs);
  const fail = (reason: string, assets = 0): SmokeResult => ({ ok: false, reason, assets });
  try {
    const login = await fetch(`${baseUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `user=${user.id}`,
      redirect: 'manual',
      signal: sig(),
    });
    await login.arrayBuffer();
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!.trim())
      .find((c) => c.startsWith('fk_session='));
    if (login.status >= 400 || cookie === undefined) {
      return fail(`POST /login user=${user.id} answered ${login.status} without a fk_session cookie`);
    }
    const pageUrl = `${baseUrl}/users/${user.id}`;
    const page = await fetch(pageUrl, { headers: { cookie }, signal: sig() });
    const html = await page.text();
    if (page.status !== 200) return fail(`GET /users/${user.id} answered ${page.status}`);
    if (!user.names.some((n) => n !== '' && containsName(html, n))) {
      return fail(`GET /users/${user.id} does not show the user's name (${user.names.join(' / ')})`);
    }
    const assets = extractAssets(html, pageUrl).map((path) => new URL(path, pageUrl).href);
    // A few at a time, as a browser would; the whole list must answer 200.
    for (let i = 0; i < assets.length; i += 6) {
      const batch = assets.slice(i, i + 6);
      const statuses = await Promise.all(
        batch.map(async (u) => {
          const r = await fetch(u, { headers: { cookie }, signal: sig() });
          await r.arrayBuffer();
          return { u, status: r.status };
        }),
      );
      const bad = statuses.find((s) => s.status !== 200);
      if (bad) return fail(`asset ${new URL(bad.u).pathname} answered ${bad.status}`, assets.length);
    }
    return { ok: true, assets: assets.length };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const detail = err.cause?.code ?? err.cause?.message ?? err.message;
    return fail(`smoke check failed: ${err.name === 'TimeoutError' ? 'timed out' : detail}`);
  }
}
