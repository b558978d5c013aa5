import { FkError } from '../errors.js';
import { quoteArg as q } from '../remote/shell-quote.js';
import { releasePath, VERIFIED } from './artifact.js';
import type { FleetView } from './fleet-view.js';
import type { DeployState } from './lb-state.js';
import type { Release } from './release.js';

/**
 * `deploy rollback [RELEASE]`: which release, and whether it can be rolled back to at all. A
 * rollback copies nothing, so the release's build must still be on every member host: `--keep K`
 * prunes the builds of older releases. Checked on every host before the lock and before anything
 * starts, so a pruned release is one clear error naming the hosts, not a failed first batch.
 */
export function rollbackTarget(state: DeployState, id: string | undefined): Release {
  const want = id ?? state.previous;
  if (want === undefined) throw new FkError('E_DEPLOY_NO_RELEASE', 'no previous release to roll back to');
  const release = state.releases.find((r) => r.id === want || r.id.startsWith(want));
  if (release === undefined)
    throw new FkError('E_DEPLOY_NO_RELEASE', `no release ${want} recorded on the lb`);
  return release;
}

/** Throws E_DEPLOY_PRUNED when a member host lacks the release's verified build (pruned, or never shipped). */
export async function requireBuildOnHosts(view: FleetView, release: Release, hosts: readonly string[]) {
  const missing = (
    await Promise.all(
      hosts.map(async (name) => {
        const dir = releasePath(view.hostPlan(name).paths.releases, release.artifact);
        const r = await view.remotes
          .get(name)!
          .exec(['sh', '-c', `cat ${q(`${dir}/${VERIFIED}`)} 2>/dev/null || true`], { timeoutMs: 15_000 });
        return r.stdout.trim() === release.artifact ? [] : [name];
      }),
    )
  ).flat();
  if (missing.length > 0)
    throw new FkError(
      'E_DEPLOY_PRUNED',
      `cannot roll back to release ${release.id}: its build ${release.artifact} is no longer on ${missing.join(', ')} ` +
        '(a rollback copies nothing); nothing was changed',
    );
}
