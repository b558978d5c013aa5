import { FkError } from '../../errors.js';
import { checkUserPage, type SmokeUser } from '../common/user-page-check.js';

export type { SmokeUser };

/**
 * The fleet's last start step, from this machine through the lb's address: the shared user-page
 * check (../common/user-page-check.ts) over the page's same-origin /static/ links — stages/ may
 * not import bench/'s asset extraction, and the app's page links its files plainly.
 */

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
  const r = await checkUserPage(baseUrl, user, { assetsOf: staticLinks, timeoutMs });
  if (!r.ok) throw new FkError('E_FLEET_SMOKE', `smoke check through ${baseUrl} failed: ${r.reason}`);
  return { assets: r.assets, ms: r.ms };
}
