import { FkError, isFkError } from '../errors.js';
import type { AppHost, AppProgram } from './app-host.js';
import { type Artifact, releasePath, shipArtifact, shipCheckScript, shipTree } from './artifact.js';
import type { FleetView } from './fleet-view.js';
import { keptArtifacts, readState, recorded, withCurrent, writeState } from './lb-state.js';
import { type LbTarget, switchUpstream } from './lb-upstream.js';
import { acquireLock } from './lock.js';
import { batches, freshPorts, type Release, releaseProgramName } from './release.js';
import { uptest } from './uptest.js';

/**
 * The swarm: moves every app host of the balancer to one release, batch by batch.
 *
 * THE INVARIANT: the lb's upstream only ever lists ports whose process is running and passed its
 * uptests. Each batch goes: start the new processes on fresh ports beside the old ones → uptest
 * each → switch the upstream (old ports of the batch out, new ones in; nginx -t; graceful reload)
 * → drain (the old nginx workers gone) → only then stop the old processes. Killing the deploy at
 * any moment (SIGINT, SIGKILL, a lost ssh connection) therefore leaves the balancer pointing at
 * live processes only: before the switch it still lists the old ones, which run; after it, the
 * new ones, which run; old ones left behind are stopped by the next deploy.
 *
 * Idempotent: a host already running the target release with healthy processes is not touched
 * again (only switched, if the upstream does not list them), so re-running after a failure
 * finishes the job.
 */
export interface SwarmOptions {
  view: FleetView;
  release: Release;
  /** The release's build, to ship where a host lacks it; absent for a rollback (no copy: it must be there). */
  artifact?: Artifact;
  /** Hosts per batch (already resolved from --batch N|P%). */
  batch: number;
  /** At most this many hosts out of the balancer at once (default: all of a batch may be switched together). */
  maxUnavailable?: number;
  keep?: number;
  /** Hosts to move (default: the balancer's members). */
  only?: readonly string[];
  breakLock?: boolean;
  owner: { user: string; pid: number; command: string };
  /** Set by SIGINT: the swarm stops at the next step boundary, the lock released. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface HostOutcome {
  host: string;
  result: 'switched' | 'already' | 'failed' | 'not reached';
  ports: number[];
  ms: number;
  error?: string;
}

export interface SwarmResult {
  release: Release;
  hosts: HostOutcome[];
  totalMs: number;
}

const STOP_BATCH = Symbol('stop');

export async function swarm(o: SwarmOptions): Promise<SwarmResult> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const { view, release } = o;
  const lb = view.lb;
  const lock = await acquireLock(lb.remote, lb.lib, { ...o.owner, breakLock: o.breakLock === true });
  if (lock.broke !== undefined) log(`deploy: broke the lock that was ${lock.broke}`);
  const outcomes: HostOutcome[] = [];
  try {
    const before = await readState(lb.remote, lb.lib);
    await writeState(lb.remote, lb.lib, recorded(before, release));
    const members = o.only ?? (await view.members());
    if (members.length === 0)
      throw new FkError('E_DEPLOY_STATE', 'the balancer lists no app host of the host list');
    // The uptests' known user comes from the data the balancer serves now (the current release's
    // database, else the fleet's): a release pointed at other data — another or an empty
    // database — then fails its uptests instead of serving its users wrong pages.
    const serving = before.releases.find((r) => r.id === before.current)?.config.databaseUrl;
    const user = await view.smokeUser(serving ?? view.plan.databaseUrl);
    const statics = o.artifact === undefined ? undefined : view.statics();
    const size = Math.max(1, Math.min(o.batch, o.maxUnavailable ?? o.batch));
    log(
      `deploy: release ${release.id} (build ${release.artifact}${release.config.maxInFlight === undefined ? '' : `, max ${release.config.maxInFlight} in flight per process`}) to ${members.join(', ')}, ${size} at a time`,
    );
    // Every host's inventory and copy of the build first, all at once: neither touches what
    // serves, and the batches then only start, test and switch (the copy is most of a host's time).
    const prepared = new Map(
      members.map((name) => {
        const p = prepare(view.appHost(name), o, statics, log);
        p.catch(() => {});
        return [name, p] as const;
      }),
    );
    // Old processes of a batch stop while the next batch starts: out of the balancer and drained already.
    const stopping: Promise<void>[] = [];
    for (const group of batches(members, size)) {
      checkAborted(o.signal);
      const tb = performance.now();
      const started = await Promise.allSettled(
        group.map(async (name) => startOn(view.appHost(name), await prepared.get(name)!, o, user, log)),
      );
      const ok = started.flatMap((r, i) =>
        r.status === 'fulfilled' ? [{ name: group[i]!, ...r.value }] : [],
      );
      const failed = started.flatMap((r, i) =>
        r.status === 'rejected' ? [{ name: group[i]!, error: r.reason }] : [],
      );
      checkAborted(o.signal);
      if (ok.length > 0) {
        // Switch the hosts that passed, then drain, then stop their old processes.
        const current = await view.upstream();
        const okNames = new Set(ok.map((x) => x.name));
        const next = [
          ...current.filter((s) => !okNames.has(view.hostOf(s) ?? '')),
          ...ok.flatMap((x) => x.ports.map((p) => `${view.address(x.name)}:${p}`)),
        ];
        const sameSet = next.length === current.length && next.every((s) => current.includes(s));
        if (!sameSet) {
          const sw = await switchUpstream(lb, next);
          log(
            `deploy: lb now routes to ${ok.map((x) => `${x.name}:${x.ports.join(',')}`).join(' ')}${limitNote(lb, next)} — drained ${sw.drained ? 'in' : 'NOT within'} ${sw.drainMs} ms`,
          );
        }
        checkAborted(o.signal);
        for (const x of ok) {
          outcomes.push({
            host: x.name,
            result: x.already ? 'already' : 'switched',
            ports: x.ports,
            ms: performance.now() - tb,
          });
          const old = x.others.filter((p) => !next.includes(`${view.address(x.name)}:${p.port}`));
          if (old.length > 0)
            stopping.push(
              view
                .appHost(x.name)
                .stop(old.map((p) => p.name))
                .then(() => log(`${x.name}: stopped ${old.map((p) => p.name).join(', ')}`))
                .catch((e: Error) =>
                  log(`${x.name}: stopping ${old.map((p) => p.name).join(', ')} failed: ${e.message}`),
                ),
            );
        }
      }
      for (const f of failed)
        outcomes.push({
          host: f.name,
          result:
            isFkError(f.error) && /^E_REMOTE_(UNREACHABLE|TIMEOUT)$/.test(f.error.code)
              ? 'not reached'
              : 'failed',
          ports: [],
          ms: performance.now() - tb,
          error: (f.error as Error).message,
        });
      if (failed.length > 0) {
        await Promise.all(stopping);
        const rest = members.filter((m) => !outcomes.some((x) => x.host === m));
        for (const m of rest)
          outcomes.push({
            host: m,
            result: 'not reached',
            ports: [],
            ms: 0,
            error: 'not started: an earlier batch failed',
          });
        const first = failed[0]!.error;
        const code =
          isFkError(first) && first.code === 'E_DEPLOY_UPTEST' ? 'E_DEPLOY_UPTEST' : 'E_DEPLOY_STATE';
        throw Object.assign(
          new FkError(
            code,
            `deploy of release ${release.id} stopped at the batch ${group.join(', ')}:\n${failed.map((f) => ((f.error as Error).message.startsWith(`${f.name}:`) ? (f.error as Error).message : `${f.name}: ${(f.error as Error).message}`)).join('\n')}`,
          ),
          { [STOP_BATCH]: outcomes },
        );
      }
    }
    await Promise.all(stopping);
    const state = withCurrent(await readState(lb.remote, lb.lib), release);
    await writeState(lb.remote, lb.lib, state);
    const keep = keptArtifacts(state, o.keep ?? 3);
    await Promise.allSettled(
      members.map(async (m) => {
        const gone = await view.appHost(m).prune(keep);
        if (gone.length > 0) log(`${m}: removed old builds ${gone.join(', ')}`);
      }),
    );
    return { release, hosts: outcomes, totalMs: performance.now() - t0 };
  } catch (e) {
    throw interrupted(e, o.signal);
  } finally {
    await lock.release().catch(() => {});
  }
}

/** ", limit_conn N" when the lb bounds requests in flight: the bound that came with the switch. */
export function limitNote(lb: LbTarget, servers: readonly string[]): string {
  return lb.protect === undefined ? '' : `, limit_conn ${lb.protect.maxInFlight * servers.length}`;
}

/** What a failed swarm got done, host by host (for the CLI's summary). */
export function outcomesOf(e: unknown): HostOutcome[] | undefined {
  return (e as Record<symbol, HostOutcome[] | undefined>)?.[STOP_BATCH];
}

/**
 * A terminal's Ctrl-C reaches the deploy's ssh commands too: the step running then fails with its
 * own error (`cannot read the lb's upstream …`). Said as what it is — an interruption — with that
 * step's error beside it; the invariant holds whichever step it cut.
 */
function interrupted(e: unknown, signal: AbortSignal | undefined): unknown {
  if (!signal?.aborted || (e instanceof Error && e.message.startsWith('deploy interrupted'))) return e;
  const step = e instanceof Error ? e.message.split('\n')[0] : String(e);
  const err = new FkError(
    'E_DEPLOY_STATE',
    `deploy interrupted (SIGINT) during a step (${step}); the balancer lists only live processes`,
  );
  const done = outcomesOf(e);
  return done === undefined ? err : Object.assign(err, { [STOP_BATCH]: done });
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new FkError(
      'E_DEPLOY_STATE',
      'deploy interrupted (SIGINT) between two steps; the balancer lists only live processes',
    );
}

interface Started {
  ports: number[];
  /** The host's other programs (older releases, the fleet's own): stopped once the switch drained. */
  others: AppProgram[];
  already: boolean;
}

interface Prepared {
  inv: Awaited<ReturnType<AppHost['inventory']>>;
  /** The host's processes of the release, when they are all there and RUNNING (to uptest, not restart). */
  running?: AppProgram[];
}

/** The release's processes on a host when they are all there and running, else undefined. */
function runningRelease(programs: readonly AppProgram[], release: Release): AppProgram[] | undefined {
  const mine = programs.filter((p) => p.release === release.id);
  return mine.length === release.config.workersPerHost &&
    mine.every((p) => p.state === 'RUNNING' && p.port !== undefined)
    ? mine
    : undefined;
}

/** Before the batches: what the host runs, and the release's build there (shipped if missing). */
async function prepare(
  host: AppHost,
  o: SwarmOptions,
  statics: ReturnType<FleetView['statics']> | undefined,
  log: (line: string) => void,
): Promise<Prepared> {
  const inv = await host.inventory();
  if (!inv.supervisorUp)
    throw new FkError('E_DEPLOY_STATE', `${host.name}: supervisord is not running (its fleet was stopped?)`);
  const running = runningRelease(inv.programs, o.release);
  if (running === undefined) await ensureRelease(host, o.artifact, o.release, statics, log);
  return { inv, ...(running === undefined ? {} : { running }) };
}

/** One host of a batch: its processes of the release running (started now, or already) and uptested. */
async function startOn(
  host: AppHost,
  { inv, running }: Prepared,
  o: SwarmOptions,
  user: Awaited<ReturnType<FleetView['smokeUser']>>,
  log: (line: string) => void,
): Promise<Started> {
  const { release, view } = o;
  const mine = inv.programs.filter((p) => p.release === release.id);
  const others = inv.programs.filter((p) => p.release !== release.id);
  if (running !== undefined) {
    const tests = await Promise.all(
      running.map((p) => uptest(`${view.address(host.name)}:${p.port}`, user, { startTimeoutMs: 3000 })),
    );
    if (tests.every((t) => t.ok)) {
      log(
        `${host.name}: already runs release ${release.id} (ports ${running.map((p) => p.port).join(', ')}), healthy`,
      );
      return { ports: running.map((p) => p.port!), others, already: true };
    }
  }
  // Half-started processes of this release (an interrupted deploy) go with the old ones.
  const leftovers = mine;
  const used = new Set(inv.programs.flatMap((p) => (p.port === undefined ? [] : [p.port])));
  const ports = freshPorts(used, release.config.workersPerHost);
  const programs = ports.map((port) => ({
    plan: view.program(host.name, release, port, releaseProgramName(release.id, port)),
    release: release.id,
  }));
  await host.start(programs);
  const tests = await Promise.all(
    programs.map((p) =>
      uptest(`${view.address(host.name)}:${p.plan.listen.port}`, user, {
        crashed: async () => {
          const now = await host.inventory();
          const s = now.programs.find((x) => x.name === p.plan.name);
          return s?.state === 'FATAL' || s?.state === 'EXITED' || s?.state === 'BACKOFF'
            ? `${s.state} in supervisor (${s.detail})`
            : undefined;
        },
      }),
    ),
  );
  const bad = tests.findIndex((t) => !t.ok);
  if (bad >= 0) {
    const p = programs[bad]!.plan;
    const tail = await host.logTail(p);
    await host.stop(programs.map((x) => x.plan.name)).catch(() => {});
    throw new FkError(
      'E_DEPLOY_UPTEST',
      `${host.name}: ${p.name} failed its uptests; it was never in the balancer and is stopped again.\n` +
        `  uptest output:\n${tests[bad]!.output.map((l) => `    ${l}`).join('\n')}\n` +
        `  last lines of ${p.log}:\n${(tail || '(empty)')
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n')}`,
    );
  }
  log(
    `${host.name}: ${programs.map((p) => p.plan.name).join(', ')} up and uptested (${Math.round(Math.max(...tests.map((t) => t.ms)))} ms)`,
  );
  return { ports, others: [...others, ...leftovers], already: false };
}

/** The release's build on the host: there already (verified), or shipped now and hash-checked. */
async function ensureRelease(
  host: AppHost,
  artifact: Artifact | undefined,
  release: Release,
  statics: ReturnType<FleetView['statics']> | undefined,
  log: (line: string) => void,
): Promise<void> {
  const releases = host.plan.paths.releases;
  if (artifact === undefined) {
    const r = await host.remote.exec(['sh', '-s'], {
      input: shipCheckScript(releasePath(releases, release.artifact), release.artifact),
      timeoutMs: 15_000,
    });
    if (r.stdout.trim() !== 'have')
      throw new FkError(
        'E_DEPLOY_STATE',
        `${host.name} does not have build ${release.artifact} of release ${release.id} any more (a rollback copies nothing): deploy it instead`,
      );
    return;
  }
  const [shipped] = await Promise.all([
    shipArtifact(host.remote, artifact, releases),
    statics === undefined
      ? Promise.resolve()
      : shipTree(host.remote, {
          localDir: statics.dir,
          remoteDir: host.plan.paths.staticRoot,
          id: statics.id,
          manifest: statics.manifest,
        }),
  ]);
  if (shipped.shipped)
    log(
      `${host.name}: build ${artifact.id} shipped (${shipped.method}, ${Math.round(shipped.ms)} ms, hash-checked)`,
    );
}
