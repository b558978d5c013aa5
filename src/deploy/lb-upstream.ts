import { FkError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { quoteArg as q } from '../remote/shell-quote.js';
import { parseProtectLimit, renderAppServerLines, renderProtectLimit } from '../stages/common/nginx-conf.js';
import { appServersPath, FLEET_UPSTREAM_TUNING, protectLimitPath } from '../stages/fleet/lb-conf.js';
import type { FleetPaths } from '../stages/fleet/paths.js';
import type { ProtectLimits } from '../stages/stage.js';

/**
 * The balancer's app upstream: its `server` lines live in one file included by the lb's
 * nginx.conf (stages/fleet/lb-conf.ts appServersPath). A switch writes the new file aside,
 * renames it into place (a reader never sees half a file), checks the whole config with
 * `nginx -t` (restoring the previous file if it fails), and reloads gracefully: SIGHUP to the
 * master, which starts new workers with the new upstream and tells the old ones to finish their
 * requests and exit. The drain is waiting for those old workers to be gone (bounded): after it
 * no connection to an old app process remains, and only then may the old processes stop.
 *
 * A fleet started with --protect bounds requests in flight at the lb with limit_conn, per app
 * process of the upstream; that line lives in a second included file (protectLimitPath), which
 * the same switch rewrites for the new server count: both files renamed into place, both
 * restored if `nginx -t` fails, one reload.
 */
export const renderUpstream = (servers: readonly string[]) =>
  renderAppServerLines(servers, FLEET_UPSTREAM_TUNING);

/** host:port of each `server` line. */
export function parseUpstream(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*server\s+(\S+?)(?:\s|;)/.exec(line);
    if (m !== null) out.push(m[1]!);
  }
  return out;
}

export interface LbTarget {
  remote: Remote;
  paths: FleetPaths;
  nginx: string;
  /** The lb bounds requests in flight (--protect): this many per app process of the upstream. */
  protect?: ProtectLimits;
}

/**
 * How the lb's nginx bounds requests in flight, read from the lb: the limit file, when its
 * nginx.conf includes it (a file left by an earlier --protect start is not in force). Undefined: unbounded.
 */
export function protectReadScript(paths: FleetPaths): string {
  const f = protectLimitPath(paths);
  return `grep -qF ${q(`include ${f};`)} ${q(`${paths.nginxDir}/nginx.conf`)} 2>/dev/null && cat ${q(f)} 2>/dev/null || true\n`;
}

export async function readProtect(remote: Remote, paths: FleetPaths): Promise<ProtectLimits | undefined> {
  const r = await remote.exec(['sh', '-s'], { input: protectReadScript(paths), timeoutMs: 15_000 });
  const p = parseProtectLimit(r.stdout);
  return p === undefined ? undefined : { maxInFlight: p.maxInFlightPerApp };
}

export async function readUpstream(lb: LbTarget): Promise<string[]> {
  const r = await lb.remote.exec(['cat', appServersPath(lb.paths)], { timeoutMs: 15_000 });
  if (r.code !== 0)
    throw new FkError(
      'E_DEPLOY_STATE',
      `cannot read the lb's upstream ${appServersPath(lb.paths)} on ${lb.remote.host.name}: ${r.stderr.trim()}`,
    );
  return parseUpstream(r.stdout);
}

/**
 * The switch as one sh script (tested by equality): write aside, rename, nginx -t, HUP, drain.
 * `limit`: the protect limit file's new content, switched with the upstream (absent: unprotected).
 */
export function switchScript(
  lb: Omit<LbTarget, 'remote'>,
  content: string,
  drainS: number,
  limit?: string,
): string {
  const f = appServersPath(lb.paths);
  const d = lb.paths.nginxDir;
  const nginxT = `${q(lb.nginx)} -t -q -p ${q(d)} -c ${q(`${d}/nginx.conf`)} -e ${q(`${d}/error.log`)}`;
  const vars = limit === undefined ? ['f'] : ['f', 'l'];
  const each = (line: (v: string) => string) => vars.map(line).join('; ');
  return `${[
    'set -e',
    `f=${q(f)}`,
    ...(limit === undefined ? [] : [`l=${q(protectLimitPath(lb.paths))}`]),
    `printf '%s' ${q(content)} > "$f.fk-new"`,
    ...(limit === undefined ? [] : [`printf '%s' ${q(limit)} > "$l.fk-new"`]),
    each((v) => `cp -p "$${v}" "$${v}.fk-old"`),
    each((v) => `mv -f "$${v}.fk-new" "$${v}"`),
    `if ! out=$(${nginxT} 2>&1); then ${each((v) => `mv -f "$${v}.fk-old" "$${v}"`)}; echo "nginx -t failed, previous upstream restored: $out" >&2; exit 5; fi`,
    `pid=$(cat ${q(`${d}/nginx.pid`)})`,
    // The master's children now are the workers that still hold connections to the old upstream.
    `old=$(grep -ls "^PPid:[[:space:]]*$pid\\$" /proc/[0-9]*/status | cut -d/ -f3 | tr '\\n' ' ')`,
    'kill -HUP "$pid"',
    `i=0; left=$old; while [ -n "$left" ] && [ $i -lt ${drainS * 10} ]; do`,
    '  sleep 0.1; i=$((i+1)); left=; for w in $old; do kill -0 "$w" 2>/dev/null && left="$left $w"; done',
    'done',
    'echo "drained=$([ -z "$left" ] && echo yes || echo no) ms=$((i*100)) old_workers=$(echo $old | wc -w)"',
  ].join('\n')}\n`;
}

export interface SwitchResult {
  drained: boolean;
  drainMs: number;
}

/** The upstream becomes `servers` (which must all be running and uptested: the caller's invariant). */
export async function switchUpstream(
  lb: LbTarget,
  servers: readonly string[],
  drainS = 15,
): Promise<SwitchResult> {
  const r = await lb.remote.exec(['sh', '-s'], {
    input: switchScript(
      lb,
      renderUpstream(servers),
      drainS,
      lb.protect === undefined ? undefined : renderProtectLimit(lb.protect.maxInFlight, servers.length),
    ),
    timeoutMs: (drainS + 20) * 1000,
  });
  if (r.code !== 0)
    throw new FkError(
      'E_DEPLOY_STATE',
      `switching the lb upstream on ${lb.remote.host.name} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`,
    );
  const m = /drained=(yes|no) ms=(\d+)/.exec(r.stdout);
  return { drained: m?.[1] === 'yes', drainMs: Number(m?.[2] ?? 0) };
}
