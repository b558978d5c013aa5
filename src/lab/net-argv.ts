import type { LinkRate } from './host-spec.js';

/**
 * Every ip(8) / tc(8) command of the lab, as argv arrays (Kamal-style: built here, tested by
 * equality, executed elsewhere). Inside a host the interface is always `eth0`, as on a machine.
 */
export type Argv = string[];
export const HOST_IF = 'eth0';

export function bridgeUpArgv(bridge: string, gatewayCidr: string): Argv[] {
  return [
    ['ip', 'link', 'add', bridge, 'type', 'bridge'],
    ['ip', 'addr', 'add', gatewayCidr, 'dev', bridge],
    ['ip', 'link', 'set', bridge, 'up'],
  ];
}

export interface HostNet {
  netns: string;
  veth: string;
  bridge: string;
  /** e.g. 10.201.7.11/24 */
  addressCidr: string;
  link?: LinkRate;
}

/**
 * One host's network: a namespace, a veth pair created with its far end already inside it
 * (no window where `eth0` sits in the root namespace), plugged into the bridge. No default
 * route: the hosts reach the bridge's /24 and nothing else, so a stray connection to the outside
 * fails at once ("Network is unreachable") instead of leaking or hanging.
 */
export function hostNetArgv(h: HostNet): Argv[] {
  const inNs = (...argv: string[]) => ['ip', '-n', h.netns, ...argv];
  const cmds: Argv[] = [
    ['ip', 'netns', 'add', h.netns],
    ['ip', 'link', 'add', h.veth, 'type', 'veth', 'peer', 'name', HOST_IF, 'netns', h.netns],
    ['ip', 'link', 'set', h.veth, 'master', h.bridge, 'up'],
    inNs('addr', 'add', h.addressCidr, 'dev', HOST_IF),
    inNs('link', 'set', 'lo', 'up'),
    inNs('link', 'set', HOST_IF, 'up'),
  ];
  if (h.link) cmds.push(...linkRateArgv(h.netns, h.veth, h.link));
  return cmds;
}

/**
 * A link rate both ways with tbf (netem is not in this kernel): the host's eth0 shapes what it
 * sends, the root end of the veth shapes what it receives. burst must hold at least one timer
 * tick of traffic (tc-tbf(8): rate/HZ; 10 ms covers HZ ≥ 100) and one full frame.
 */
export function linkRateArgv(netns: string, veth: string, link: LinkRate): Argv[] {
  const burst = Math.max(1600, Math.ceil(link.bitsPerSecond / 8 / 100));
  const tbf = ['root', 'tbf', 'rate', link.tc, 'burst', `${burst}b`, 'latency', '50ms'];
  return [
    ['ip', 'netns', 'exec', netns, 'tc', 'qdisc', 'add', 'dev', HOST_IF, ...tbf],
    ['tc', 'qdisc', 'add', 'dev', veth, ...tbf],
  ];
}

/** Cutting / restoring a host's link (the fleet's "link between lb and an app host is cut"). */
export const hostLinkArgv = (netns: string, state: 'up' | 'down'): Argv => [
  'ip',
  '-n',
  netns,
  'link',
  'set',
  HOST_IF,
  state,
];

export const netnsListArgv = (): Argv => ['ip', '-j', 'netns', 'list'];
export const linkListArgv = (): Argv => ['ip', '-j', 'link', 'show'];
export const routeListArgv = (): Argv => ['ip', '-j', 'route', 'show', 'table', 'all'];
export const netnsPidsArgv = (netns: string): Argv => ['ip', 'netns', 'pids', netns];
export const netnsDelArgv = (netns: string): Argv => ['ip', 'netns', 'del', netns];
export const linkDelArgv = (ifname: string): Argv => ['ip', 'link', 'del', ifname];

/** Names from `ip -j netns list` / `ip -j link show` (both print `[]` or nothing when empty). */
export function namesFromJson(text: string, key: 'name' | 'ifname'): string[] {
  if (text.trim() === '') return [];
  const list = JSON.parse(text) as Array<Record<string, unknown>>;
  return list.map((e) => e[key]).filter((n): n is string => typeof n === 'string');
}
