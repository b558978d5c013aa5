import { FkError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { quoteArg as q } from '../remote/shell-quote.js';
import type { Release } from './release.js';

/**
 * What the deploys of a fleet have done, kept ON THE LB HOST (not on the machine that deployed),
 * so any machine with the hosts file can deploy, roll back or ask for the status: every release
 * recorded (build + config), the current one and the one before it. A small JSON file, written
 * aside and renamed. It may hold a database URL with its password: mode 600, in the lb's own
 * /var/lib/flickr-killr/deploy.
 */
export interface DeployState {
  releases: Release[];
  current?: string;
  previous?: string;
  /** Releases in the order they went live (oldest first, each once, at its latest): what --keep counts. */
  live?: string[];
}

export const deployDir = (lib: string) => `${lib}/deploy`;
const stateFile = (lib: string) => `${deployDir(lib)}/state.json`;

export function parseState(text: string): DeployState {
  if (text.trim() === '') return { releases: [] };
  try {
    const s = JSON.parse(text) as DeployState;
    if (!Array.isArray(s.releases)) throw new Error('no releases list');
    return s;
  } catch (e) {
    throw new FkError('E_DEPLOY_STATE', `the lb's deploy state is not readable: ${(e as Error).message}`);
  }
}

export async function readState(lb: Remote, lib: string): Promise<DeployState> {
  const r = await lb.exec(['sh', '-c', `cat ${q(stateFile(lib))} 2>/dev/null || true`], {
    timeoutMs: 15_000,
  });
  return parseState(r.stdout);
}

export async function writeState(lb: Remote, lib: string, s: DeployState): Promise<void> {
  const f = stateFile(lib);
  const script = `set -e; umask 077; mkdir -p ${q(deployDir(lib))}; cat > ${q(`${f}.fk-tmp`)}; mv -f ${q(`${f}.fk-tmp`)} ${q(f)}`;
  const r = await lb.exec(['sh', '-c', script], {
    input: `${JSON.stringify(s, null, 2)}\n`,
    timeoutMs: 15_000,
  });
  if (r.code !== 0)
    throw new FkError('E_DEPLOY_STATE', `writing the deploy state on the lb failed: ${r.stderr.trim()}`);
}

/** The state after `release` went live everywhere: recorded, current, the former current as previous. */
export function withCurrent(s: DeployState, release: Release): DeployState {
  const releases = s.releases.some((r) => r.id === release.id) ? s.releases : [...s.releases, release];
  const previous = s.current !== undefined && s.current !== release.id ? s.current : s.previous;
  // A state written before `live` existed: its current release went live before this one.
  const before = s.live ?? (s.current === undefined ? [] : [s.current]);
  const live = [...before.filter((id) => id !== release.id), release.id];
  return { releases, current: release.id, ...(previous === undefined ? {} : { previous }), live };
}

export function recorded(s: DeployState, release: Release): DeployState {
  return s.releases.some((r) => r.id === release.id) ? s : { ...s, releases: [...s.releases, release] };
}

/**
 * Builds of the last `keep` releases that went live (the current first, then the previous, then
 * back through `live`): what stays on each host. Releases of one build count once.
 */
export function keptArtifacts(s: DeployState, keep: number): string[] {
  const ids = [s.current, s.previous, ...[...(s.live ?? [])].reverse()].filter(
    (x): x is string => x !== undefined,
  );
  const arts: string[] = [];
  for (const id of ids) {
    const a = s.releases.find((r) => r.id === id)?.artifact;
    if (a !== undefined && !arts.includes(a)) arts.push(a);
    if (arts.length >= keep) break;
  }
  return arts;
}
