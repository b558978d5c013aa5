import { findBinary, type Prerequisite } from '../daemons/prereq.js';
import { type InstallOutcome, type MachineFacts, planInstall, type Runner, runInstall } from './install.js';
import { type Purpose, prerequisitesFor } from './needs.js';

export interface SetupResult {
  needed: Prerequisite[];
  /** Still missing after whatever could be done. */
  missing: Prerequisite[];
  outcome?: InstallOutcome;
}

export const isPresent = (p: Prerequisite): boolean => findBinary(p.binary, undefined, p.dirs) !== undefined;

/**
 * The one piece of logic behind `setup`, `npm start` and `npm test`: find what the purposes need
 * and is missing; install it when this machine lets us (root or passwordless sudo, and apt-get),
 * one line per package; otherwise say the one exact command to run, and go on with what there is.
 */
export async function ensurePrerequisites(
  purposes: readonly Purpose[],
  facts: MachineFacts,
  run: Runner,
  log: (line: string) => void,
  present: (p: Prerequisite) => boolean = isPresent,
): Promise<SetupResult> {
  const needed = prerequisitesFor(purposes);
  const missing = needed.filter((p) => !present(p));
  const plan = planInstall(missing, facts);
  if (plan.kind === 'nothing') return { needed, missing: [] };
  if (plan.kind === 'instruct') {
    log(`setup: missing ${missing.map((m) => m.binary).join(', ')}; ${plan.why}. Run: ${plan.command}`);
    return { needed, missing };
  }
  if (plan.kind === 'unsupported') {
    log(`setup: missing ${plan.missing.join(', ')}: ${plan.why}`);
    return { needed, missing };
  }
  log(
    `setup: installing ${plan.packages.join(', ')} (Debian packages; --no-install or FK_NO_INSTALL=1 to skip)`,
  );
  const outcome = await runInstall(plan, run, log);
  return { needed, missing: needed.filter((p) => !present(p)), outcome };
}
