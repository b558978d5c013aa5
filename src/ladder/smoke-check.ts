/**
 * Before a stage is benchmarked, check it serves the right thing: a fast wrong answer (an error
 * page, another user's photos, a 404 for every thumbnail) would otherwise top the table. One
 * virtual user (stages/common/user-page-check.ts) fetching every asset the page references — the
 * same list the benchmark's virtual users will fetch (the bench's own extractAssets).
 */
import { extractAssets } from '../bench/extract-assets.js';
import { checkUserPage, type SmokeUser } from '../stages/common/user-page-check.js';

export type { SmokeUser };

export interface SmokeResult {
  ok: boolean;
  /** One line, when not ok. */
  reason?: string;
  assets: number;
}

export async function smokeCheck(
  baseUrl: string,
  user: SmokeUser,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<SmokeResult> {
  const r = await checkUserPage(baseUrl, user, { ...opts, assetsOf: extractAssets });
  return r.reason === undefined
    ? { ok: r.ok, assets: r.assets }
    : { ok: r.ok, reason: r.reason, assets: r.assets };
}
