import { FkError } from '../errors.js';
import { bootScript, prepareScript } from '../stages/fleet/host-scripts.js';
import type { Artifact } from './artifact.js';
import type { FleetView } from './fleet-view.js';
import { readState } from './lb-state.js';
import { switchUpstream } from './lb-upstream.js';
import { acquireLock } from './lock.js';
import type { SwarmOptions } from './swarm.js';
import { limitNote, type SwarmResult, swarm } from './swarm.js';

/**
 * `deploy hosts add HOST`: a host of the list that the balancer does not route to yet becomes a
 * member — provision check (node and supervisord there, else what is missing), its supervisord
 * config and supervisord (no app process of its own), then the swarm for that one host: the
 * current release shipped, started, uptested, and only then added to the upstream.
 * `deploy hosts remove HOST`: out of the upstream first (drained), then its processes stopped.
 */
export async function addHost(
  o: Omit<SwarmOptions, 'release' | 'batch' | 'only'> & { host: string; artifact?: Artifact },
): Promise<SwarmResult> {
  const { view, host } = o;
  if (!view.appHostNames.includes(host))
    throw new FkError('E_USAGE', `${host} is not an app host of the host list (roles: [app] needed)`);
  if (view.unreachable.has(host))
    throw new FkError('E_REMOTE_UNREACHABLE', `${host}: ${view.unreachable.get(host)}`);
  if ((await view.members()).includes(host))
    throw new FkError('E_USAGE', `${host} is in the balancer already`);
  const f = view.facts[host]!;
  const missing = [
    ...(f.bins.node === undefined
      ? ['node (the Node.js runtime, v20+: Debian package nodejs, or nodesource)']
      : []),
    ...(f.bins.supervisord === undefined || f.bins.supervisorctl === undefined
      ? ['supervisord (Debian package supervisor)']
      : []),
    ...(f.bins.sha256sum === undefined ? ['sha256sum (coreutils)'] : []),
  ];
  if (missing.length > 0) throw new FkError('E_PREREQ_MISSING', `host ${host} lacks ${missing.join(', ')}`);
  const state = await readState(view.lb.remote, view.lb.lib);
  const current = state.releases.find((r) => r.id === state.current);
  if (current === undefined)
    throw new FkError(
      'E_DEPLOY_NO_RELEASE',
      'no current release recorded: run `deploy` once before `deploy hosts add`',
    );
  // The host's supervisord, with no program of the fleet's start: its app processes are the release's.
  const base = view.hostPlan(host);
  const plan = {
    ...base,
    files: base.files.filter((x) => x.path === base.paths.supervisorConf),
    programs: [],
  };
  const remote = view.remotes.get(host)!;
  for (const [what, script] of [
    ['writing its configs', prepareScript(plan)],
    ['starting supervisord', bootScript(plan)],
  ] as const) {
    const r = await remote.exec(['sh', '-s'], { input: script, timeoutMs: 60_000 });
    if (r.code !== 0)
      throw new FkError('E_REMOTE_COMMAND', `${host}: ${what} failed: ${(r.stderr || r.stdout).trim()}`);
  }
  return swarm({ ...o, release: current, batch: 1, only: [host] });
}

export async function removeHost(o: {
  view: FleetView;
  host: string;
  owner: SwarmOptions['owner'];
  breakLock?: boolean;
  log?: (l: string) => void;
}): Promise<void> {
  const { view, host } = o;
  const log = o.log ?? (() => {});
  const lb = view.lb;
  const lock = await acquireLock(lb.remote, lb.lib, { ...o.owner, breakLock: o.breakLock === true });
  try {
    const upstream = await view.upstream();
    const next = upstream.filter((s) => view.hostOf(s) !== host);
    if (next.length === upstream.length) throw new FkError('E_USAGE', `${host} is not in the balancer`);
    if (next.length === 0)
      throw new FkError('E_USAGE', `${host} is the last app host of the balancer: it stays`);
    const sw = await switchUpstream(lb, next);
    log(
      `deploy: ${host} out of the balancer${limitNote(lb, next)}, drained ${sw.drained ? 'in' : 'NOT within'} ${sw.drainMs} ms`,
    );
    if (view.unreachable.has(host)) {
      log(`${host}: unreachable, its processes could not be stopped (${view.unreachable.get(host)})`);
      return;
    }
    const app = view.appHost(host);
    const inv = await app.inventory();
    await app.stop(inv.programs.map((p) => p.name));
    log(`${host}: stopped ${inv.programs.map((p) => p.name).join(', ') || 'nothing'}`);
  } finally {
    await lock.release().catch(() => {});
  }
}
