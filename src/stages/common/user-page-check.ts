/**
 * "Does this site serve the right thing?", as one browser would ask it: log in, open the user's
 * page (it must show the user's name: a fast wrong answer — an error page, another user's photos
 * — is no answer), then every asset the page references must answer 200, a few at a time. The
 * ladder runs it before benchmarking a stage, stage fleet at the end of its start (through the
 * lb), the deploy tool as an uptest. Which assets a page references is the caller's to say: the
 * ladder uses the benchmarker's own extraction (the list its virtual users will fetch); stages/
 * may not import bench/, and the app's pages link their files plainly, so fleet reads src=/href=.
 */

export interface SmokeUser {
  id: number;
  /** Any of these appearing in the page's text proves it is this user's page. */
  names: string[];
}

export interface PageCheckOptions {
  /** The page's assets, as paths or absolute URLs. */
  assetsOf: (html: string, pageUrl: string) => string[];
  signal?: AbortSignal;
  /** Per request (default 15 s). */
  timeoutMs?: number;
}

export interface PageCheckResult {
  ok: boolean;
  /** One line, when not ok. */
  reason?: string;
  assets: number;
  ms: number;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The page's text as a browser reads it: character references decoded (named ones of XML, and
 * numeric ones, which is what a template engine's escaping produces), so a name is found whatever
 * escaping the site chose.
 */
export function pageText(html: string): string {
  return html.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, ref: string) => {
    if (ref[0] !== '#') return ENTITIES[ref.toLowerCase()] ?? m;
    const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

export async function checkUserPage(
  baseUrl: string,
  user: SmokeUser,
  opts: PageCheckOptions,
): Promise<PageCheckResult> {
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const sig = () =>
    opts.signal
      ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs);
  const fail = (reason: string, assets = 0): PageCheckResult => ({
    ok: false,
    reason,
    assets,
    ms: performance.now() - t0,
  });
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
    const text = pageText(html);
    if (!user.names.some((n) => n !== '' && text.includes(n))) {
      return fail(`GET /users/${user.id} does not show the user's name (${user.names.join(' / ')})`);
    }
    const assets = opts.assetsOf(html, pageUrl).map((path) => new URL(path, pageUrl).href);
    if (assets.length === 0) return fail(`GET /users/${user.id} references no asset`);
    for (let i = 0; i < assets.length; i += 6) {
      const statuses = await Promise.all(
        assets.slice(i, i + 6).map(async (u) => {
          const r = await fetch(u, { headers: { cookie }, signal: sig() });
          await r.arrayBuffer();
          return { u, status: r.status };
        }),
      );
      const bad = statuses.find((s) => s.status !== 200);
      if (bad) return fail(`asset ${new URL(bad.u).pathname} answered ${bad.status}`, assets.length);
    }
    return { ok: true, assets: assets.length, ms: performance.now() - t0 };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const detail = err.cause?.code ?? err.cause?.message ?? err.message;
    return fail(`smoke check failed: ${err.name === 'TimeoutError' ? 'timed out' : detail}`);
  }
}
