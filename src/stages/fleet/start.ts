import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writeStaticRoot } from '../../assets/static-site.js';
import type { ProcessInfo } from '../../daemons/supervisor.js';
import {
  type Artifact,
  artifactId,
  buildArtifact,
  defaultCacheDir,
  hashTree,
  manifestText,
  shipArtifact,
  shipTree,
} from '../../deploy/artifact.js';
import { SITE_ASSETS_DIR } from '../../paths.js';
import { childPids, cmdlineOf, isRunning } from '../../proc/stat.js';
import type { Remote } from '../../remote/remote.js';
import type { RemoteHost } from '../../remote/remote-host.js';
import { connect } from '../../remote/ssh-remote.js';
import type { UpstreamTuning } from '../common/nginx-conf.js';
import type { HostCpuReading, ProtectLimits, RunningStage } from '../stage.js';
import {
  assertConnectionBudget,
  DEFAULT_FLEET_SEED,
  DEFAULT_FLEET_USERS,
  dataFacts,
  dbHostReady,
  type SeedOutcome,
  seedIfNeeded,
} from './fleet-db.js';
import { hostCpuReader } from './host-cpu.js';
import { type HostFacts, parseProbe, probeArgv } from './host-facts.js';
import { FleetHost, onEvery } from './host-ops.js';
import { type FleetPlan, hostPhases, planFleet, usedHosts } from './plan.js';
import { PHASES, type Phase } from './programs.js';
import { fleetSmokeCheck } from './smoke.js';

/**
 * Executing the plan: over ssh only (one connection per host, reused), each host under its own
 * supervisord. Order: probe every host and build the artifact → configs and supervisord on every
 * host → db, sessions, cache (in parallel) → seed once → app hosts (ship the release and the
 * static root, start, wait until each process answers) → lb → smoke check from this machine
 * through the lb's address. Anything failing stops what started, and says which host and why.
 */
export interface FleetStartOptions {
  /** The machines (remote/hosts.ts: hostsForLab or loadHosts). */
  hosts: readonly RemoteHost[];
  /** This machine's folder for the run: a copy of every config rendered, per host. */
  runDir: string;
  /** The caller's environment for ssh (agent, ~/.ssh); the CLI's io.env. */
  env?: Record<string, string | undefined>;
  port?: number;
  workersPerHost?: number;
  /** Only the first N app hosts (the capacity command's scale-out). */
  appHosts?: number;
  /** A server the user runs (--db URL), seeded already; its static files are at staticRoot here. */
  externalDb?: { url: string; staticRoot: string };
  /** Seed size when the db host is empty (default 100,000 users, the ladder's). */
  users?: number;
  seed?: number;
  accessLog?: boolean;
  tuning?: UpstreamTuning;
  /** --protect: bounded requests in flight per app process and at the lb (plan.ts). */
  protect?: ProtectLimits;
  /** The artifact cache (default ~/.cache/flickr-killr/artifacts); the static root is written beside it. */
  cacheDir?: string;
  log?: (line: string) => void;
}

export interface FleetTimings {
  probeAndBuildMs: number;
  prepareMs: number;
  backendsMs: number;
  seedMs: number;
  appsMs: number;
  lbMs: number;
  smokeMs: number;
  totalMs: number;
}

export interface RunningFleet extends RunningStage {
  plan: FleetPlan;
  artifact: Artifact;
  facts: Readonly<Record<string, HostFacts>>;
  seed: SeedOutcome;
  timings: FleetTimings;
  /** A host of the fleet: its plan, its ssh connection and supervisorctl. */
  host(name: string): FleetHost;
  hostCpu(): Promise<HostCpuReading[]>;
  /** supervisord and the host's programs started again (after a crash), as at start. */
  restartHost(name: string): Promise<void>;
}

const READY_MS = { backend: 60_000, app: 30_000, lb: 15_000 } as const;

export async function startFleet(o: FleetStartOptions): Promise<RunningFleet> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const mark = (() => {
    let last = t0;
    return () => {
      const now = performance.now();
      const ms = now - last;
      last = now;
      return ms;
    };
  })();
  const used = usedHosts(o.hosts, {
    ...(o.appHosts === undefined ? {} : { appHosts: o.appHosts }),
    externalDb: o.externalDb !== undefined,
  });
  const remotes = new Map<string, Remote>(used.map((h) => [h.name, connect(h, o.env)]));
  let hosts: FleetHost[] = [];
  let shipping: Promise<unknown> | undefined;
  try {
    const cacheDir = o.cacheDir ?? defaultCacheDir();
    const [factsList, artifact, statics] = await Promise.all([
      Promise.all(
        used.map(async (h) => {
          const r = await remotes.get(h.name)!.exec(probeArgv(process.execPath), { timeoutMs: 30_000 });
          return [h.name, parseProbe(h.name, r.stdout)] as const;
        }),
      ),
      buildArtifact({ cacheDir }),
      Promise.resolve().then(() =>
        localStatic(o.externalDb?.staticRoot ?? join(dirname(cacheDir), 'static')),
      ),
    ]);
    const facts: Record<string, HostFacts> = Object.fromEntries(factsList);
    const plan = planFleet(o.hosts, facts, {
      releaseId: artifact.id,
      ...(o.port === undefined ? {} : { port: o.port }),
      ...(o.workersPerHost === undefined ? {} : { workersPerHost: o.workersPerHost }),
      ...(o.appHosts === undefined ? {} : { appHosts: o.appHosts }),
      ...(o.externalDb === undefined ? {} : { externalDbUrl: o.externalDb.url }),
      ...(o.accessLog === undefined ? {} : { accessLog: o.accessLog }),
      ...(o.tuning === undefined ? {} : { tuning: o.tuning }),
      ...(o.protect === undefined ? {} : { protect: o.protect }),
    });
    keepLocalCopies(o.runDir, plan);
    hosts = plan.hosts.map((hp) => new FleetHost(hp, remotes.get(hp.name)!));
    const probeAndBuildMs = mark();
    log(
      `fleet: ${hosts.length} hosts probed; release ${artifact.id} (${artifact.files} files, ${mb(artifact.bytes)}${artifact.built ? ', built now' : ', cached'})`,
    );

    await onEvery(hosts, (h) => h.prepare());
    const prepareMs = mark();

    // Releases and static files travel while the backends start and the database is seeded.
    const appHosts = hosts.filter((h) => h.plan.programs.some((p) => p.phase === 'app'));
    const shipped = onEvery(appHosts, async (h) => {
      const [release] = await Promise.all([
        shipArtifact(h.remote, artifact, h.plan.paths.releases),
        shipTree(h.remote, {
          localDir: statics.dir,
          remoteDir: h.plan.paths.staticRoot,
          id: statics.id,
          manifest: statics.manifest,
        }),
      ]);
      if (release.shipped)
        log(`${h.name}: release ${artifact.id} shipped (${release.method}, ${Math.round(release.ms)} ms)`);
    });
    shipping = shipped.catch(() => {});
    await startPhase(hosts, 'backend', plan, log);
    const backendsMs = mark();
    log(`fleet: db, sessions and cache up (${Math.round(backendsMs)} ms)`);

    const seed = await seedIfNeeded(plan.databaseUrl, {
      users: o.users ?? DEFAULT_FLEET_USERS,
      seed: o.seed ?? DEFAULT_FLEET_SEED,
      own: o.externalDb === undefined,
      log,
    });
    await assertConnectionBudget(plan.databaseUrl, plan.appServers.length);
    const seedMs = mark();

    await shipped;
    await startPhase(hosts, 'app', plan, log);
    const appsMs = mark();
    log(
      `fleet: ${plan.appServers.length} app processes on ${appHosts.length} hosts (${Math.round(appsMs)} ms)`,
    );

    await startPhase(hosts, 'lb', plan, log);
    const lbMs = mark();
    const user = (await dataFacts(plan.databaseUrl)).smokeUser;
    await fleetSmokeCheck(plan.url, user);
    const smokeMs = mark();
    const timings = {
      probeAndBuildMs,
      prepareMs,
      backendsMs,
      seedMs,
      appsMs,
      lbMs,
      smokeMs,
      totalMs: performance.now() - t0,
    };
    log(
      `fleet: ${plan.url} answers (smoke check passed); started in ${(timings.totalMs / 1000).toFixed(1)} s`,
    );
    return await running(o, plan, hosts, remotes, facts, artifact, seed, timings);
  } catch (e) {
    await shipping;
    await stopHosts(hosts, log).catch(() => {});
    await closeAll(remotes);
    throw e;
  }
}

/** The static root every app host serves, written here (idempotent) and hashed, as a tree to ship. */
function localStatic(dir: string): { dir: string; id: string; manifest: string } {
  writeStaticRoot(dir, SITE_ASSETS_DIR);
  const manifest = manifestText(hashTree(dir, ['.']));
  return { dir, id: artifactId(manifest), manifest };
}

/** Every config as written to its host, under runDir/<host>/ (for reading, never used). */
function keepLocalCopies(runDir: string, plan: FleetPlan): void {
  for (const h of plan.hosts)
    for (const f of h.files) {
      const local = join(runDir, h.name, f.path.split('/').at(-1)!);
      mkdirSync(dirname(local), { recursive: true });
      writeFileSync(local, f.content, { mode: 0o600 });
    }
}

/**
 * The phase's programs on every host at once: a host whose turn it is gets its supervisord
 * (which starts them), one already up starts them with supervisorctl; then each must answer.
 */
async function startPhase(
  hosts: readonly FleetHost[],
  phase: Phase,
  plan: FleetPlan,
  log: (line: string) => void,
): Promise<void> {
  const mine = hosts.filter((h) => h.plan.programs.some((p) => p.phase === phase));
  await onEvery(mine, async (h) => {
    const programs = h.plan.programs.filter((p) => p.phase === phase);
    if (hostPhases(h.plan).first === phase) {
      if ((await h.boot()).leftover) log(`${h.name}: stopped a supervisord left running by an earlier start`);
    } else await h.start(programs);
    for (const p of programs) {
      if (p.ready === 'postgres') {
        await h.waitReady(p, READY_MS[phase]);
        await dbHostReady(plan.adminUrl!);
      } else await h.waitReady(p, READY_MS[phase]);
    }
  });
}

/**
 * Front door first, so no request reaches a process that is already gone; then every other host
 * at once, each supervisord stopping its programs in reverse priority (app processes before the
 * backends of a shared host). supervisord needs ~2 s to notice SIGTERM, stop and reap (its loop
 * ticks once a second): two groups, not one per phase, keep a stop near 4 s. A host that cannot
 * be reached is reported and skipped; the others still stop.
 */
async function stopHosts(hosts: readonly FleetHost[], log: (line: string) => void): Promise<void> {
  const front = hosts.filter((h) => hostPhases(h.plan).last === 'lb');
  for (const group of [front, hosts.filter((h) => !front.includes(h))]) {
    const done = await Promise.allSettled(group.map((h) => h.shutdown()));
    done.forEach((r, i) => {
      if (r.status === 'rejected')
        log(`${group[i]!.name}: not stopped cleanly: ${(r.reason as Error).message}`);
    });
  }
}

async function closeAll(remotes: ReadonlyMap<string, Remote>): Promise<void> {
  await Promise.allSettled([...remotes.values()].map((r) => r.close()));
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function running(
  o: FleetStartOptions,
  plan: FleetPlan,
  hosts: FleetHost[],
  remotes: Map<string, Remote>,
  facts: Record<string, HostFacts>,
  artifact: Artifact,
  seed: SeedOutcome,
  timings: FleetTimings,
): Promise<RunningFleet> {
  const log = o.log ?? (() => {});
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const remoteHosts = o.hosts.filter((h) => byName.has(h.name));
  const processes = labProcesses(hosts, remoteHosts);
  let stopped: Promise<void> | undefined;
  return {
    name: 'fleet',
    url: plan.url,
    runDir: o.runDir,
    plan,
    artifact,
    facts,
    seed,
    timings,
    processes,
    host: (name) => {
      const h = byName.get(name);
      if (h === undefined) throw new Error(`no host ${name} in this fleet`);
      return h;
    },
    hostCpu: hostCpuReader(remoteHosts, remotes, facts),
    restartHost: async (name) => {
      const h = byName.get(name);
      if (h === undefined) throw new Error(`no host ${name} in this fleet`);
      for (const phase of PHASES) await startPhase([h], phase, plan, log);
    },
    stop: () => {
      stopped ??= (async () => {
        await stopHosts(hosts, log);
        await closeAll(remotes);
      })();
      return stopped;
    },
  };
}

/**
 * The fleet's processes as this machine sees them, for the ladder's /proc sampler: only lab hosts
 * share this machine's PIDs (no PID namespace). Read without ssh: each host's supervisord pid
 * file on disk (the host's folders are this machine's), its children (the programs, matched by
 * their command line) and theirs (nginx workers, PostgreSQL backends). Real machines: none.
 */
function labProcesses(hosts: readonly FleetHost[], remoteHosts: readonly RemoteHost[]): () => ProcessInfo[] {
  const lab = hosts.flatMap((h) => {
    const r = remoteHosts.find((x) => x.name === h.name);
    if (r?.lab === undefined) return [];
    const pidfile = join(r.lab.dirsOnDisk.lib, relative(r.dirs.lib, h.plan.paths.supervisorPid));
    return [{ h, pidfile }];
  });
  return () =>
    lab.flatMap(({ h, pidfile }) => {
      let sv: number;
      try {
        sv = Number(readFileSync(pidfile, 'utf8').trim());
      } catch {
        return [];
      }
      if (!Number.isInteger(sv) || sv <= 0 || !isRunning(sv)) return [];
      const out: ProcessInfo[] = [{ role: `${h.name}/supervisord`, pid: sv }];
      for (const pid of childPids(sv)) {
        const cmd = cmdlineOf(pid);
        // nginx titles its master "nginx: master process ARGV", Redis "BINARY ADDRESS:PORT".
        const prog =
          h.plan.programs.find((p) => cmd === p.argv.join(' ') || cmd.endsWith(` ${p.argv.join(' ')}`)) ??
          h.plan.programs.find((p) => cmd.split(' ')[0] === p.argv[0]);
        const name = prog?.name ?? 'other';
        out.push({ role: `${h.name}/${name}`, pid });
        const children = prog === undefined ? [] : childPids(pid);
        children.forEach((c, i) => {
          out.push({
            role: `${h.name}/${name}-${prog!.name === 'nginx' ? 'worker' : 'child'}-${i + 1}`,
            pid: c,
          });
        });
      }
      return out;
    });
}
