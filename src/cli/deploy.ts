import { userInfo } from 'node:os';
import { type Artifact, buildArtifact, defaultCacheDir } from '../deploy/artifact.js';
import { buildRef } from '../deploy/build-ref.js';
import { addHost, removeHost } from '../deploy/fleet-hosts.js';
import { FleetView } from '../deploy/fleet-view.js';
import { readState } from '../deploy/lb-state.js';
import { batchSize, makeRelease, parseEnvPairs, type Release } from '../deploy/release.js';
import { requireBuildOnHosts, rollbackTarget } from '../deploy/rollback.js';
import { fleetStatus, renderStatus } from '../deploy/status.js';
import { outcomesOf, type SwarmResult, swarm } from '../deploy/swarm.js';
import { FkError } from '../errors.js';
import { checkLabName } from '../lab/naming.js';
import { hostsForLab, loadHosts } from '../remote/hosts.js';
import type { RemoteHost } from '../remote/remote-host.js';
import { redact } from '../store/db-target.js';
import { intOption, parse, withLabDefault } from './args.js';
import type { Command, Io } from './io.js';

const USAGE = `flickr-killr deploy [--ref REF] [--batch N|P%] [--max-unavailable N] [--env K=V]... [--workers N]
                    [--database-url URL] [--keep K] [--break-lock] (--lab [NAME] | --hosts FILE)
flickr-killr deploy rollback [RELEASE] [--batch N|P%] (--lab [NAME] | --hosts FILE)
flickr-killr deploy status [--json] (--lab [NAME] | --hosts FILE)
flickr-killr deploy build [--ref REF]
flickr-killr deploy release [--ref REF] [--env K=V]... [--workers N] [--database-url URL] (--lab [NAME] | --hosts FILE)
flickr-killr deploy hosts add HOST | hosts remove HOST (--lab [NAME] | --hosts FILE)

Deploys the app to a running stage fleet (\`serve --stage fleet\`) from this machine, over ssh
(docs/deploy.md). A build is the app as a content-hashed artifact; a release is a build plus its
config (database URL, sessions URL, processes per host, environment); the swarm moves every app
host of the balancer to a release, batch by batch: ship if missing (hash-checked), start the new
processes on fresh ports beside the old ones, uptest them (/healthz, then a real page and every
asset), switch the lb's upstream (nginx -t, graceful reload), drain, stop the old ones.
  --ref REF            build that git commit (git archive, npm + tsc), cached per commit;
                       default: the working tree as built (npm run build)
  --batch N|P%         hosts per batch (deploy: 1; rollback: 100%: the old processes serve until the switch)
  --max-unavailable N  at most N hosts switched at once (caps --batch)
  --env K=V            extra environment of the app processes (part of the release: a new release)
  --workers N          app processes per host (default: one per core of its quota)
  --database-url URL   the release's database (default: the fleet's); the uptests' user comes from
                       the database the balancer serves now, so other data fails them
  --keep K             builds kept on each host (default 3)
  --break-lock         break a deploy lock left by a deploy that was killed (its owner is shown)
  --cache DIR          local artifact cache (default ~/.cache/flickr-killr/artifacts)
  rollback [RELEASE]   the previous release (or RELEASE), already on the hosts: no build, no copy
  status               host, program, port, pid, since, health, release; what the lb routes to; drift
  hosts add HOST       an app host of the list not in the balancer yet: provision check, the
                       current release, uptests, then into the balancer
  hosts remove HOST    out of the balancer (drained), then its processes stopped`;

const OPTIONS = {
  ref: { type: 'string' },
  batch: { type: 'string' },
  'max-unavailable': { type: 'string' },
  env: { type: 'string', multiple: true },
  workers: { type: 'string' },
  'database-url': { type: 'string' },
  keep: { type: 'string' },
  'break-lock': { type: 'boolean' },
  cache: { type: 'string' },
  json: { type: 'boolean' },
  lab: { type: 'string' },
  hosts: { type: 'string' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

function hostsOf(v: Values, io: Io): RemoteHost[] {
  if (v.hosts !== undefined && v.lab !== undefined)
    throw new FkError('E_USAGE', 'give --hosts FILE or --lab NAME, not both');
  if (v.hosts !== undefined) return loadHosts(v.hosts, { cwd: io.cwd });
  if (v.lab !== undefined) return hostsForLab(checkLabName(v.lab));
  throw new FkError('E_USAGE', 'deploy needs the fleet: --lab [NAME] or --hosts FILE');
}

async function build(v: Values, io: Io): Promise<Artifact> {
  const cacheDir = v.cache ?? defaultCacheDir();
  const log = (l: string) => io.stderr(`${l}\n`);
  const a =
    v.ref !== undefined
      ? await buildRef({ ref: v.ref, cacheDir, node: process.execPath, log })
      : await buildArtifact({ cacheDir });
  log(
    `deploy: build ${a.id} (${a.files} files, ${(a.bytes / 1024 / 1024).toFixed(1)} MB, ${a.built ? 'built now' : 'cached'})`,
  );
  return a;
}

function printOutcome(io: Io, r: Pick<SwarmResult, 'hosts'>): void {
  for (const h of r.hosts)
    io.stderr(
      `  ${h.host.padEnd(10)} ${h.result.padEnd(12)} ${h.ports.join(',')}${h.error ? `  ${h.error.split('\n')[0]}` : ''}\n`,
    );
}

async function withView<T>(v: Values, io: Io, fn: (view: FleetView) => Promise<T>): Promise<T> {
  const view = await FleetView.open({
    hosts: hostsOf(v, io),
    env: io.env,
    localNode: process.execPath,
    ...(v.cache === undefined ? {} : { cacheDir: v.cache }),
  });
  try {
    return await fn(view);
  } finally {
    await view.close();
  }
}

/** Who holds the deploy lock (`deploy status` shows it): also capacity's, when it grows a fleet. */
export function owner(io: Io, command: string) {
  return { user: io.env.USER ?? userInfo().username, pid: process.pid, command };
}

async function runSwarm(
  io: Io,
  view: FleetView,
  v: Values,
  release: Release,
  artifact: Artifact | undefined,
  defaultBatch: string,
  command: string,
): Promise<number> {
  const members = await view.members();
  const t0 = performance.now();
  try {
    const r = await swarm({
      view,
      release,
      ...(artifact === undefined ? {} : { artifact }),
      batch: batchSize(v.batch ?? defaultBatch, members.length, 1),
      ...(v['max-unavailable'] === undefined
        ? {}
        : { maxUnavailable: intOption(v['max-unavailable'], 'max-unavailable', 1, 999)! }),
      ...(v.keep === undefined ? {} : { keep: intOption(v.keep, 'keep', 1, 100)! }),
      breakLock: v['break-lock'] === true,
      owner: owner(io, command),
      signal: io.signal,
      log: (l) => io.stderr(`${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${l}\n`),
    });
    io.stderr(
      `deploy: release ${release.id} live on ${r.hosts.length} hosts in ${(r.totalMs / 1000).toFixed(1)} s\n`,
    );
    printOutcome(io, r);
    io.stdout(`${release.id}\n`);
    return 0;
  } catch (e) {
    const done = outcomesOf(e);
    if (done !== undefined) {
      io.stderr(
        `deploy: stopped after ${((performance.now() - t0) / 1000).toFixed(1)} s; where each host is:\n`,
      );
      printOutcome(io, { hosts: done });
      io.stderr('  (`deploy status` shows every process; re-running the same deploy finishes the job)\n');
    }
    throw e;
  }
}

async function releaseFor(view: FleetView, v: Values, artifact: Artifact): Promise<Release> {
  const env = parseEnvPairs(v.env ?? []);
  const workers = intOption(v.workers, 'workers', 1, 64);
  const config = view.defaultConfig(env, workers);
  const url = v['database-url'];
  if (url !== undefined && !/^postgres(ql)?:\/\/./.test(url))
    throw new FkError(
      'E_USAGE',
      `--database-url takes a postgres:// URL, got ${JSON.stringify(redact(url))}`,
    );
  return makeRelease(artifact.id, url === undefined ? config : { ...config, databaseUrl: url });
}

async function run(args: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parse(withLabDefault(args), OPTIONS, true);
  const [sub, ...rest] = positionals;
  switch (sub) {
    case undefined: {
      const artifact = await build(v, io);
      return withView(v, io, async (view) =>
        runSwarm(
          io,
          view,
          v,
          await releaseFor(view, v, artifact),
          artifact,
          '1',
          `deploy${v.ref ? ` --ref ${v.ref}` : ''}`,
        ),
      );
    }
    case 'build': {
      const a = await build(v, io);
      io.stdout(`${a.id}\n`);
      return 0;
    }
    case 'release': {
      const artifact = await build(v, io);
      return withView(v, io, async (view) => {
        const r = await releaseFor(view, v, artifact);
        io.stderr(
          `deploy: release ${r.id} = build ${r.artifact} + db ${redact(r.config.databaseUrl)}, sessions ${r.config.sessionsUrl}, ${r.config.workersPerHost} per host${r.config.maxInFlight === undefined ? '' : ` (max ${r.config.maxInFlight} in flight each: the lb's --protect)`}, env ${JSON.stringify(r.config.env)}\n`,
        );
        io.stdout(`${r.id}\n`);
        return 0;
      });
    }
    case 'rollback':
      return withView(v, io, async (view) => {
        const release = rollbackTarget(await readState(view.lb.remote, view.lb.lib), rest[0]);
        await requireBuildOnHosts(view, release, await view.members());
        io.stderr(
          `deploy: rolling back to release ${release.id} (build ${release.artifact}; no build, no copy)\n`,
        );
        return runSwarm(io, view, v, release, undefined, '100%', `deploy rollback ${release.id}`);
      });
    case 'status':
      return withView(v, io, async (view) => {
        const s = await fleetStatus(view);
        io.stdout(v.json === true ? `${JSON.stringify(s, null, 2)}\n` : renderStatus(s));
        return s.drift.length === 0 ? 0 : 1;
      });
    case 'hosts': {
      const [action, host] = rest;
      if ((action !== 'add' && action !== 'remove') || host === undefined)
        throw new FkError('E_USAGE', 'deploy hosts add HOST | deploy hosts remove HOST');
      return withView(v, io, async (view) => {
        const log = (l: string) => io.stderr(`${l}\n`);
        if (action === 'remove') {
          await removeHost({
            view,
            host,
            owner: owner(io, `deploy hosts remove ${host}`),
            breakLock: v['break-lock'] === true,
            log,
          });
          return 0;
        }
        const state = await readState(view.lb.remote, view.lb.lib);
        const current = state.releases.find((r) => r.id === state.current);
        const artifact =
          current !== undefined ? await buildArtifact({ cacheDir: v.cache ?? defaultCacheDir() }) : undefined;
        const r = await addHost({
          view,
          host,
          // The current release's build is shipped when this machine's cache has it; else it must be on the host.
          ...(artifact !== undefined && artifact.id === current?.artifact ? { artifact } : {}),
          owner: owner(io, `deploy hosts add ${host}`),
          breakLock: v['break-lock'] === true,
          signal: io.signal,
          log,
        });
        printOutcome(io, r);
        return 0;
      });
    }
    default:
      throw new FkError(
        'E_USAGE',
        `deploy has no subcommand '${sub}' (rollback, status, build, release, hosts)`,
      );
  }
}

export const command: Command = { usage: USAGE, run };
