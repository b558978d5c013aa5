import { FkError } from '../errors.js';

/**
 * The lab's private /24: one that overlaps no route of the machine (any table), so the hosts'
 * addresses never shadow a real network, and no other lab (its bridge's route is in the table).
 * The start is a hash of the lab name, so two labs brought up at once rarely try the same one.
 */
export interface Cidr {
  /** Network address as a 32-bit unsigned integer. */
  base: number;
  bits: number;
}

export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, bitsText] = text.split('/');
  const ip = parseIpv4(addr ?? '');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (ip === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ip & mask) >>> 0, bits };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a.base & mask) >>> 0 === (b.base & mask) >>> 0;
}

/**
 * IPv4 prefixes taken on this machine, from `ip -j route show table all`: each route's
 * destination, gateway and preferred source. `default` is skipped — it overlaps everything and
 * means "elsewhere", not a network here.
 */
export function takenPrefixes(ipRouteJson: string): Cidr[] {
  let routes: unknown;
  try {
    routes = JSON.parse(ipRouteJson);
  } catch {
    throw new FkError('E_LAB_STEP_FAILED', 'ip -j route printed something that is not JSON');
  }
  if (!Array.isArray(routes)) return [];
  const out: Cidr[] = [];
  for (const r of routes as Array<Record<string, unknown>>) {
    for (const key of ['dst', 'gateway', 'prefsrc']) {
      const v = r[key];
      if (typeof v !== 'string' || v === 'default') continue;
      const c = parseCidr(v);
      if (c !== undefined) out.push(c);
    }
  }
  return out;
}

/** Candidate pools, in order: 10.201.0.0/16 … 10.209.0.0/16, then 172.30.0.0/16 (RFC 1918). */
function* candidates(start: number): Generator<Cidr> {
  const pools = [201, 202, 203, 204, 205, 206, 207, 208, 209]
    .map((b) => (10 << 24) | (b << 16))
    .concat([((172 << 24) | (30 << 16)) >>> 0]);
  for (const pool of pools)
    for (let i = 0; i < 256; i++) yield { base: (pool | (((start + i) % 256) << 8)) >>> 0, bits: 24 };
}

export function nameHash(name: string): number {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h % 256;
}

export function pickSubnet(labName: string, taken: Cidr[]): Cidr {
  for (const c of candidates(nameHash(labName))) if (!taken.some((t) => overlaps(c, t))) return c;
  throw new FkError('E_LAB_NO_SUBNET', `no free private /24 for lab ${labName}`);
}

export const formatCidr = (c: Cidr) => `${formatIpv4(c.base)}/${c.bits}`;
/** The root namespace's address on the bridge: .1, the hosts' gateway and what they see us as. */
export const gatewayOf = (c: Cidr) => formatIpv4(c.base + 1);
/** Host i (0-based) gets .11, .12 …: low numbers stay free for the bridge and later additions. */
export const hostAddressOf = (c: Cidr, index: number) => formatIpv4(c.base + 11 + index);
