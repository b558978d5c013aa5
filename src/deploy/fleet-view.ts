import { dirname, join } from 'node:path';
import { writeStaticRoot } from '../assets/static-site.js';
import { FkError } from '../errors.js';
import { SITE_ASSETS_DIR } from '../paths.js';
import type { Remote } from '../remote/remote.js';
import type { RemoteHost } from '../remote/remote-host.js';
import { connect } from '../remote/ssh-remote.js';
import { dataFacts } from '../stages/fleet/fleet-db.js';
import { FLEET_BINARIES, type HostFacts, parseProbe, probeArgv } from '../stages/fleet/host-facts.js';
import {
  type FleetPlan,
  fleetAppSpec,
  type HostPlan,
  planFleet,
  processesPerHost,
} from '../stages/fleet/plan.js';
import { appProgram, type ProgramPlan } from '../stages/fleet/programs.js';
import type { SmokeUser } from '../stages/fleet/smoke.js';
import type { ProtectLimits } from '../stages/stage.js';
import { AppHost } from './app-host.js';
import { artifactId, defaultCacheDir, hashTree, manifestText } from './artifact.js';
import { type LbTarget, readProtect, readUpstream } from './lb-upstream.js';
import type { Release, ReleaseConfig } from './release.js';

/**
 * A running fleet as the deploy tool sees it: the host list, one reused ssh connection per host,
 * what each host is (probed as stage fleet probes it), the fleet's plan (paths, binaries, the
 * app processes' spec) and which app hosts are in the balancer (the lb's upstream file is the
 * truth of that: a host is a member when one of its addresses is listed). Only the lb and the app
 * hosts are contacted; a host that does not answer is reported, not fatal, until it is needed.
 */
export interface FleetViewOptions {
  hosts: readonly RemoteHost[];
  env?: Record<string, string | undefined>;
  /** node on this machine (process.execPath): the probe offers it where a host has none on PATH. */
  localNode: string;
  cacheDir?: string;
}

export class FleetView {
  private smoke: SmokeUser | undefined;

  private constructor(
    readonly hosts: readonly RemoteHost[],
    readonly remotes: ReadonlyMap<string, Remote>,
    readonly facts: Readonly<Record<string, HostFacts>>,
    /** Hosts whose probe failed, with why. */
    readonly unreachable: ReadonlyMap<string, string>,
    readonly plan: FleetPlan,
    readonly cacheDir: string,
    /**
     * How the lb bounds requests in flight (--protect), read from the lb's own limit file: what
     * the front door enforces now, whether `serve --stage fleet --protect` or a deploy wrote it.
     */
    readonly protect: ProtectLimits | undefined,
  ) {}

  static async open(o: FleetViewOptions): Promise<FleetView> {
    const remotes = new Map(o.hosts.map((h) => [h.name, connect(h, o.env)] as const));
    const driven = o.hosts.filter((h) => h.roles.includes('lb') || h.roles.includes('app'));
    const facts: Record<string, HostFacts> = {};
    const unreachable = new Map<string, string>();
    await Promise.all(
      driven.map(async (h) => {
        try {
          const r = await remotes.get(h.name)!.exec(probeArgv(o.localNode), { timeoutMs: 15_000 });
          facts[h.name] = parseProbe(h.name, r.stdout);
        } catch (e) {
          unreachable.set(h.name, (e as Error).message);
        }
      }),
    );
    const lb = o.hosts.find((h) => h.roles.includes('lb'));
    if (lb === undefined) throw new FkError('E_HOSTS_INVALID', 'the host list has no lb host');
    if (unreachable.has(lb.name))
      throw new FkError('E_REMOTE_UNREACHABLE', `the lb host ${lb.name}: ${unreachable.get(lb.name)}`);
    // Hosts not driven here (cache, sessions, db), and app hosts that did not answer, are planned
    // with placeholder facts: their part of the plan is never executed by a deploy.
    const placeholder: HostFacts = {
      uid: 0,
      cores: 1,
      bins: Object.fromEntries(FLEET_BINARIES.map((b) => [b, `/unprobed/${b}`])),
    };
    const all: Record<string, HostFacts> = Object.fromEntries(
      o.hosts.map((h) => [h.name, facts[h.name] ?? placeholder]),
    );
    const plan = planFleet(o.hosts, all, { releaseId: '0000000000000000' });
    const lbPaths = plan.hosts.find((h) => h.name === lb.name)!.paths;
    const protect = await readProtect(remotes.get(lb.name)!, lbPaths);
    return new FleetView(
      o.hosts,
      remotes,
      facts,
      unreachable,
      plan,
      o.cacheDir ?? defaultCacheDir(),
      protect,
    );
  }

  hostPlan(name: string): HostPlan {
    const h = this.plan.hosts.find((x) => x.name === name);
    if (h === undefined) throw new FkError('E_USAGE', `no host ${name} in the fleet's host list`);
    return h;
  }

  get lbPlan(): HostPlan {
    return this.hostPlan(this.plan.lbHost);
  }

  get lb(): LbTarget & { lib: string } {
    const p = this.lbPlan;
    const nginx = this.facts[p.name]?.bins.nginx;
    if (nginx === undefined) throw new FkError('E_PREREQ_MISSING', `no nginx on the lb host ${p.name}`);
    return {
      remote: this.remotes.get(p.name)!,
      paths: p.paths,
      nginx,
      lib: p.paths.lib,
      ...(this.protect === undefined ? {} : { protect: this.protect }),
    };
  }

  /** Every app host of the list, in its order. */
  get appHostNames(): string[] {
    return this.hosts.filter((h) => h.roles.includes('app')).map((h) => h.name);
  }

  appHost(name: string): AppHost {
    return new AppHost(this.hostPlan(name), this.remotes.get(name)!);
  }

  address(name: string): string {
    return this.hosts.find((h) => h.name === name)!.address;
  }

  /** Which host a host:port of the upstream belongs to. */
  hostOf(server: string): string | undefined {
    const addr = server.slice(0, server.lastIndexOf(':')).replace(/^\[|\]$/g, '');
    return this.hosts.find((h) => h.roles.includes('app') && h.address === addr)?.name;
  }

  async upstream(): Promise<string[]> {
    return readUpstream(this.lb);
  }

  /** App hosts the balancer routes to (in host-list order). */
  async members(): Promise<string[]> {
    const hosts = new Set((await this.upstream()).map((s) => this.hostOf(s)));
    return this.appHostNames.filter((n) => hosts.has(n));
  }

  /**
   * The config a new release gets: the fleet's own URLs and process count, and the lb's
   * protection (a protected fleet stays protected: each new process admits as many requests in
   * flight as the lb counts per process); an unbounded lb, unbounded processes.
   */
  defaultConfig(env: Record<string, string>, workers?: number): ReleaseConfig {
    const first = this.hosts.find((h) => h.roles.includes('app'))!;
    const bound = this.protect?.maxInFlight;
    return {
      databaseUrl: this.plan.databaseUrl,
      sessionsUrl: this.plan.sessionsUrl,
      workersPerHost: workers ?? processesPerHost(first, this.facts[first.name]),
      env,
      ...(bound === undefined ? {} : { maxInFlight: bound }),
    };
  }

  /** One app process of `release` on host `name`, on `port`: the fleet's spec with the release's config. */
  program(name: string, release: Release, port: number, programName: string): ProgramPlan {
    const h = this.hostPlan(name);
    const node = this.facts[name]?.bins.node;
    if (node === undefined) throw new FkError('E_PREREQ_MISSING', `no node on host ${name}`);
    const spec = fleetAppSpec({ address: h.address, staticRoot: h.paths.staticRoot }, port, {
      databaseUrl: release.config.databaseUrl,
      sessionsUrl: release.config.sessionsUrl,
      cacheServers: this.plan.cacheServers,
      ...(release.config.maxInFlight === undefined
        ? {}
        : { protect: { maxInFlight: release.config.maxInFlight } }),
    });
    const p = appProgram({
      name: programName,
      node,
      releaseDir: `${h.paths.releases}/${release.artifact}`,
      spec,
      paths: h.paths,
    });
    return { ...p, autostart: true, env: { ...p.env, ...release.config.env, FK_RELEASE: release.id } };
  }

  /** A known user of the data, for the uptests (asked of the database from here, as the fleet's smoke check does). */
  async smokeUser(databaseUrl: string): Promise<SmokeUser> {
    this.smoke ??= (await dataFacts(databaseUrl)).smokeUser;
    return this.smoke;
  }

  /** The static root every app host serves, written beside the artifact cache (as stage fleet does). */
  statics(): { dir: string; id: string; manifest: string } {
    const dir = join(dirname(this.cacheDir), 'static');
    writeStaticRoot(dir, SITE_ASSETS_DIR);
    const manifest = manifestText(hashTree(dir, ['.']));
    return { dir, id: artifactId(manifest), manifest };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.remotes.values()].map((r) => r.close()));
  }
}
