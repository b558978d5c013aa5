import { redact } from '../store/db-target.js';
import type { AppProgram } from './app-host.js';
import type { FleetView } from './fleet-view.js';
import { type DeployState, readState } from './lb-state.js';

/**
 * `deploy status`: which release runs where (host, program, port, pid, since, health), what the
 * balancer routes to, and the drift between the two — an upstream port with nothing healthy
 * behind it (must never happen: the swarm's invariant), a running process the balancer does not
 * route to (left by an interrupted deploy; the next deploy stops it), a member host on another
 * release than the current one, and hosts that did not answer.
 */
export interface HostStatus {
  host: string;
  reachable: boolean;
  error?: string;
  inBalancer: boolean;
  programs: (AppProgram & { healthy: boolean; routed: boolean })[];
}

export interface FleetStatus {
  current?: string;
  previous?: string;
  releases: DeployState['releases'];
  upstream: string[];
  hosts: HostStatus[];
  drift: string[];
}

async function healthy(server: string): Promise<boolean> {
  try {
    const r = await fetch(`http://${server}/healthz`, { signal: AbortSignal.timeout(2000) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

export async function fleetStatus(view: FleetView): Promise<FleetStatus> {
  const lb = view.lb;
  const [state, upstream] = await Promise.all([readState(lb.remote, lb.lib), view.upstream()]);
  const hosts = await Promise.all(
    view.appHostNames.map(async (name): Promise<HostStatus> => {
      const addr = view.address(name);
      const inBalancer = upstream.some((s) => view.hostOf(s) === name);
      if (view.unreachable.has(name))
        return { host: name, reachable: false, error: view.unreachable.get(name)!, inBalancer, programs: [] };
      try {
        const inv = await view.appHost(name).inventory();
        const programs = await Promise.all(
          inv.programs.map(async (p) => {
            const server = `${addr}:${p.port}`;
            return {
              ...p,
              healthy: p.port !== undefined && (await healthy(server)),
              routed: upstream.includes(server),
            };
          }),
        );
        return { host: name, reachable: true, inBalancer, programs };
      } catch (e) {
        return { host: name, reachable: false, error: (e as Error).message, inBalancer, programs: [] };
      }
    }),
  );
  const drift: string[] = [];
  for (const s of upstream) {
    const h = hosts.find((x) => x.host === view.hostOf(s));
    const p = h?.programs.find((x) => `${view.address(h.host)}:${x.port}` === s);
    if (h !== undefined && !h.reachable)
      drift.push(`${s}: routed, but host ${h.host} does not answer over ssh`);
    else if (p === undefined) drift.push(`${s}: routed, but no program runs there`);
    else if (!p.healthy) drift.push(`${s}: routed, but ${p.name} is ${p.state ?? '?'} and not healthy`);
  }
  for (const h of hosts) {
    for (const p of h.programs)
      if (!p.routed && p.state === 'RUNNING')
        drift.push(
          `${h.host}/${p.name}: runs, but the balancer does not route to it (left by an interrupted deploy?)`,
        );
    if (
      h.inBalancer &&
      state.current !== undefined &&
      h.programs.some((p) => p.routed && p.release !== state.current)
    )
      drift.push(`${h.host}: in the balancer on another release than the current ${state.current}`);
  }
  return {
    ...(state.current === undefined ? {} : { current: state.current }),
    ...(state.previous === undefined ? {} : { previous: state.previous }),
    releases: state.releases.map((r) => ({
      ...r,
      config: { ...r.config, databaseUrl: redact(r.config.databaseUrl) },
    })),
    upstream,
    hosts,
    drift,
  };
}

export function renderStatus(s: FleetStatus): string {
  const lines = [
    `current release: ${s.current ?? '(none deployed yet: what `serve --stage fleet` started)'}${s.previous ? `   previous: ${s.previous}` : ''}`,
    `balancer routes to: ${s.upstream.join(' ')}`,
    '',
    'host      program                  port   pid      state     health   routed  release       since',
  ];
  for (const h of s.hosts) {
    if (!h.reachable) {
      lines.push(`${h.host.padEnd(9)} UNREACHABLE${h.inBalancer ? ' (in the balancer)' : ''}: ${h.error}`);
      continue;
    }
    if (h.programs.length === 0)
      lines.push(`${h.host.padEnd(9)} (no app process)${h.inBalancer ? '' : ' — not in the balancer'}`);
    for (const p of h.programs)
      lines.push(
        [
          h.host.padEnd(9),
          p.name.padEnd(24),
          String(p.port ?? '?').padEnd(6),
          String(p.pid ?? '-').padEnd(8),
          (p.state ?? '?').padEnd(9),
          (p.healthy ? 'ok' : 'DOWN').padEnd(8),
          (p.routed ? 'yes' : 'no').padEnd(7),
          (p.release ?? `(fleet ${p.artifact?.slice(0, 8) ?? '?'})`).padEnd(13),
          /uptime (\S+)/.exec(p.detail ?? '')?.[1] ?? '',
        ].join(' '),
      );
  }
  lines.push('', s.drift.length === 0 ? 'drift: none' : `drift:\n${s.drift.map((d) => `  ${d}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}
