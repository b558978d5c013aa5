import { FkError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { quoteArg as q } from '../remote/shell-quote.js';
import { renderAppServerLines } from '../stages/common/nginx-conf.js';
import { appServersPath, FLEET_UPSTREAM_TUNING } from '../stages/fleet/lb-conf.js';
import type { FleetPaths } from '../stages/fleet/paths.js';

/**
 * The balancer's app upstream: its `server` lines live in one file included by the lb's
 * nginx.conf (stages/fleet/lb-conf.ts appServersPath). A switch writes the new file aside,
 * renames it into place (a reader never sees half a file), checks the whole config with
 * `nginx -t` (restoring the previous file if it fails), and reloads gracefully: SIGHUP to the
 * master, which starts new workers with the new upstream and tells the old ones to finish their
 * requests and exit. The drain is waiting for those old workers to be gone (bounded): after it
 * no connection to an old app process remains, and only then may the old processes stop.
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

/** The switch as one sh script (tested by equality): write aside, rename, nginx -t, HUP, drain. */
export function switchScript(lb: Omit<LbTarget, 'remote'>, content: string, drainS: number): string {
  const f = appServersPath(lb.paths);
  const d = lb.paths.nginxDir;
  const nginxT = `${q(lb.nginx)} -t -q -p ${q(d)} -c ${q(`${d}/nginx.conf`)} -e ${q(`${d}/error.log`)}`;
  return `${[
    'set -e',
    `f=${q(f)}`,
    `printf '%s' ${q(content)} > "$f.fk-new"`,
    'cp -p "$f" "$f.fk-old"',
    'mv -f "$f.fk-new" "$f"',
    `if ! out=$(${nginxT} 2>&1); then mv -f "$f.fk-old" "$f"; echo "nginx -t failed, previous upstream restored: $out" >&2; exit 5; fi`,
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
    input: switchScript(lb, renderUpstream(servers), drainS),
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
