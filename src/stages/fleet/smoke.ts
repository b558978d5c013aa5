import { FkError } from '../../errors.js';

/**
 * The fleet's last start step, from this machine through the lb's address, as a browser would:
 * log in, open the user's page (it must show the user's name: a fast wrong answer is no answer),
 * then every static file the page links to must answer 200. (The ladder has its own, built on
 * the benchmarker's asset extraction; stages/ may not import bench/ or ladder/, and this page
 * links its files plainly with src= and href=.)
 */
export interface SmokeUser {
  id: number;
  /** Any of these in the page proves it is this user's page (display name, user name). */
  names: string[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

const decode = (html: string) =>
  html.replace(/&(#?[a-z0-9]+);/gi, (m, ref: string) => {
    if (ENTITIES[ref.toLowerCase()] !== undefined) return ENTITIES[ref.toLowerCase()]!;
    if (ref[0] !== '#') return m;
    const n = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
    return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
  });

/** Same-origin /static/ links of a page (src= and href=), each once. */
export function staticLinks(html: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/(?:src|href)="(\/static\/[^"#?]+)[^"]*"/g)) out.add(m[1]!);
  return [...out];
}

export async function fleetSmokeCheck(
  baseUrl: string,
  user: SmokeUser,
  timeoutMs = 15_000,
): Promise<{ assets: number; ms: number }> {
  const t0 = performance.now();
  const fail = (why: string) => new FkError('E_FLEET_SMOKE', `smoke check through ${baseUrl} failed: ${why}`);
  const signal = () => AbortSignal.timeout(timeoutMs);
  try {
    const login = await fetch(`${baseUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `user=${user.id}`,
      redirect: 'manual',
      signal: signal(),
    });
    await login.arrayBuffer();
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!.trim())
      .find((c) => c.startsWith('fk_session='));
    if (login.status >= 400 || cookie === undefined)
      throw fail(`POST /login user=${user.id} answered ${login.status} without a session cookie`);
    const page = await fetch(`${baseUrl}/users/${user.id}`, { headers: { cookie }, signal: signal() });
    const html = await page.text();
    if (page.status !== 200) throw fail(`GET /users/${user.id} answered ${page.status}`);
    const text = decode(html);
    if (!user.names.some((n) => n !== '' && text.includes(n)))
      throw fail(`GET /users/${user.id} does not show the user's name (${user.names.join(' / ')})`);
    const assets = staticLinks(html);
    if (assets.length === 0) throw fail(`GET /users/${user.id} links no static file`);
    for (let i = 0; i < assets.length; i += 6) {
      const batch = await Promise.all(
        assets.slice(i, i + 6).map(async (path) => {
          const r = await fetch(`${baseUrl}${path}`, { headers: { cookie }, signal: signal() });
          await r.arrayBuffer();
          return { path, status: r.status };
        }),
      );
      const bad = batch.find((b) => b.status !== 200);
      if (bad) throw fail(`${bad.path} answered ${bad.status}`);
    }
    return { assets: assets.length, ms: performance.now() - t0 };
  } catch (e) {
    if (e instanceof FkError) throw e;
    const err = e as Error & { cause?: { code?: string } };
    throw fail(err.name === 'TimeoutError' ? 'timed out' : (err.cause?.code ?? err.message));
  }
}
