import { isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, parseDocument, type YAMLMap } from 'yaml';
import { FkError } from '../errors.js';
import { HOST_NAME_RE, type HostSpec, ROLES, type Role, type SshSettings } from './host-spec.js';
import { parseLinkRate, parseMemory } from './units.js';

/**
 * Parses and validates a hosts file (YAML) into typed hosts. Pure: the text comes in, every
 * problem comes out at once, each naming its line (`hosts.yaml:7: cpu must be a number > 0, got
 * "fast"`) — the style guide's "validated once, all problems reported together".
 * The JSON Schema schemas/hosts.schema.json describes the same format for editors and tools.
 */
export interface Problem {
  line: number;
  message: string;
}

const HOST_KEYS = ['name', 'roles', 'cpu', 'memory', 'link', 'address', 'ssh'];
const SSH_KEYS = ['user', 'key', 'port'];
/** cfs quotas below 1 ms per 100 ms period are refused by the kernel (sched-bwc.rst). */
export const MIN_LAB_CPU = 0.01;
/** Below this an sshd plus a shell no longer fit; a typo like `memory: 64K` is caught here. */
export const MIN_LAB_MEMORY = 32 * 1024 * 1024;
const ADDRESS_RE = /^[A-Za-z0-9](?:[A-Za-z0-9.:-]*[A-Za-z0-9])?$/;
const USER_RE = /^[a-z_][a-z0-9_.-]*$/i;

export function validateHostsFile(text: string, baseDir: string): { hosts: HostSpec[]; problems: Problem[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  const lineOf = (node: Node | Pair | null | undefined, fallback = 1): number => {
    const range = node && 'range' in node ? node.range : undefined;
    const start = range?.[0] ?? (node && 'key' in node ? (node.key as Node | null)?.range?.[0] : undefined);
    return start === undefined ? fallback : lc.linePos(start).line;
  };
  const problems: Problem[] = doc.errors.map((e) => ({
    line: e.linePos?.[0].line ?? 1,
    message: `not valid YAML: ${e.message.split('\n')[0]}`,
  }));
  if (problems.length > 0) return { hosts: [], problems };

  const root = doc.contents;
  if (!isMap(root)) {
    problems.push({ line: lineOf(root), message: 'a hosts file is a map with a `hosts:` list' });
    return { hosts: [], problems };
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    if (key !== 'hosts') problems.push({ line: lineOf(pair.key as Node), message: `unknown key "${key}"` });
  }
  const list = root.get('hosts', true);
  if (!isSeq(list) || list.items.length === 0) {
    problems.push({
      line: lineOf(list as Node | undefined),
      message: '`hosts:` must be a non-empty list of hosts',
    });
    return { hosts: [], problems };
  }

  const hosts: HostSpec[] = [];
  const firstLine = new Map<string, number>();
  for (const item of list.items) {
    const line = lineOf(item as Node);
    if (!isMap(item)) {
      problems.push({ line, message: 'each host is a map (name:, roles:, cpu:, memory: …)' });
      continue;
    }
    // Names are checked for duplicates even when the host has other problems: all at once.
    const name = item.get('name');
    if (typeof name === 'string') {
      const seen = firstLine.get(name);
      if (seen !== undefined)
        problems.push({ line, message: `duplicate host name "${name}" (first at line ${seen})` });
      else firstLine.set(name, line);
    }
    const host = validateHost(item, line, baseDir, lineOf, problems);
    if (host !== undefined) hosts.push(host);
  }
  return { hosts, problems };
}

type LineOf = (node: Node | Pair | null | undefined, fallback?: number) => number;

function validateHost(
  map: YAMLMap,
  line: number,
  baseDir: string,
  lineOf: LineOf,
  problems: Problem[],
): HostSpec | undefined {
  const before = problems.length;
  const field = (key: string) => {
    const node = map.get(key, true) as Node | undefined;
    return { node, at: lineOf(node, line), value: isScalar(node) ? node.value : undefined };
  };
  const bad = (at: number, message: string) => problems.push({ line: at, message });
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    if (!HOST_KEYS.includes(key)) bad(lineOf(pair.key as Node, line), `unknown key "${key}" in a host`);
  }

  const name = field('name');
  if (name.node === undefined) bad(line, 'a host needs a name');
  else if (typeof name.value !== 'string' || !HOST_NAME_RE.test(name.value))
    bad(name.at, `name must be lower-case letters, digits and '-' (1-32, a hostname), got ${show(name)}`);

  const roles: Role[] = [];
  const rolesNode = map.get('roles', true) as Node | undefined;
  if (!isSeq(rolesNode) || rolesNode.items.length === 0) {
    bad(lineOf(rolesNode, line), `roles must be a non-empty list of ${ROLES.join(', ')}`);
  } else {
    for (const r of rolesNode.items) {
      const v = isScalar(r) ? r.value : undefined;
      if (typeof v !== 'string' || !(ROLES as readonly string[]).includes(v))
        bad(
          lineOf(r as Node, line),
          `unknown role ${JSON.stringify(v ?? null)} (roles: ${ROLES.join(', ')})`,
        );
      else if (roles.includes(v as Role)) bad(lineOf(r as Node, line), `role "${v}" is listed twice`);
      else roles.push(v as Role);
    }
  }

  const address = field('address');
  const real = address.node !== undefined;
  if (real && (typeof address.value !== 'string' || !ADDRESS_RE.test(address.value)))
    bad(address.at, `address must be an IP address or a DNS name, got ${show(address)}`);

  const cpu = field('cpu');
  let cpuValue: number | undefined;
  if (cpu.node !== undefined) {
    if (typeof cpu.value !== 'number' || !(cpu.value > 0) || !Number.isFinite(cpu.value))
      bad(cpu.at, `cpu must be a number > 0, got ${show(cpu)}`);
    else if (!real && cpu.value < MIN_LAB_CPU)
      bad(
        cpu.at,
        `cpu must be at least ${MIN_LAB_CPU} on a lab host (the kernel's smallest quota), got ${cpu.value}`,
      );
    else cpuValue = cpu.value;
  }

  const memory = field('memory');
  let memoryBytes: number | undefined;
  if (memory.node !== undefined) {
    const parsed =
      typeof memory.value === 'number' && Number.isInteger(memory.value) && memory.value > 0
        ? memory.value
        : typeof memory.value === 'string'
          ? parseMemory(memory.value)
          : undefined;
    if (parsed === undefined || parsed <= 0)
      bad(memory.at, `memory must be a size like 512M or 1G, got ${show(memory)}`);
    else if (!real && parsed < MIN_LAB_MEMORY)
      bad(memory.at, `memory must be at least 32M on a lab host, got ${show(memory)}`);
    else memoryBytes = parsed;
  }

  const link = field('link');
  let linkRate: HostSpec['link'];
  if (link.node !== undefined) {
    linkRate = typeof link.value === 'string' ? parseLinkRate(link.value) : undefined;
    if (real)
      bad(link.at, 'link applies only to lab hosts (without an address): the lab shapes its own links');
    else if (linkRate === undefined)
      bad(link.at, `link must be a rate like 100mbit (tc units: bit, kbit, mbit, gbit), got ${show(link)}`);
  }

  const sshNode = map.get('ssh', true) as Node | undefined;
  let ssh: SshSettings | undefined;
  if (sshNode !== undefined) {
    if (!real) bad(lineOf(sshNode, line), 'ssh applies only to real machines: give their address too');
    else ssh = validateSsh(sshNode, line, baseDir, lineOf, bad);
  } else if (real) ssh = { port: 22 };

  if (!real && (cpu.node === undefined || memory.node === undefined)) {
    const missing = [cpu.node === undefined ? 'cpu' : '', memory.node === undefined ? 'memory' : '']
      .filter(Boolean)
      .join(' and ');
    bad(
      line,
      `a lab host needs ${missing} (e.g. cpu: 0.25, memory: 256M), or an address if it is a real machine`,
    );
  }
  if (problems.length > before) return undefined;
  return {
    name: name.value as string,
    roles,
    ...(cpuValue !== undefined ? { cpu: cpuValue } : {}),
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    ...(linkRate !== undefined ? { link: linkRate } : {}),
    ...(real ? { address: address.value as string, ssh } : {}),
    line,
  };
}

function validateSsh(
  node: Node,
  line: number,
  baseDir: string,
  lineOf: LineOf,
  bad: (at: number, message: string) => void,
): SshSettings | undefined {
  if (!isMap(node)) {
    bad(lineOf(node, line), 'ssh is a map: {user, key, port}');
    return undefined;
  }
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    if (!SSH_KEYS.includes(key))
      bad(lineOf(pair.key as Node, line), `unknown key "${key}" in ssh (user, key, port)`);
  }
  const get = (k: string) => {
    const n = node.get(k, true) as Node | undefined;
    return { node: n, at: lineOf(n, line), value: isScalar(n) ? n.value : undefined };
  };
  const settings: SshSettings = { port: 22 };
  const user = get('user');
  if (user.node !== undefined) {
    if (typeof user.value !== 'string' || !USER_RE.test(user.value))
      bad(user.at, `ssh.user must be a user name, got ${show(user)}`);
    else settings.user = user.value;
  }
  const key = get('key');
  if (key.node !== undefined) {
    if (typeof key.value !== 'string' || key.value === '')
      bad(key.at, `ssh.key must be a file path, got ${show(key)}`);
    else settings.key = isAbsolute(key.value) ? key.value : resolve(baseDir, key.value);
  }
  const port = get('port');
  if (port.node !== undefined) {
    if (
      typeof port.value !== 'number' ||
      !Number.isInteger(port.value) ||
      port.value < 1 ||
      port.value > 65535
    )
      bad(port.at, `ssh.port must be a whole number 1-65535, got ${show(port)}`);
    else settings.port = port.value;
  }
  return settings;
}

function show(f: { node: Node | undefined; value: unknown }): string {
  if (f.value !== undefined) return JSON.stringify(f.value);
  return isMap(f.node) ? 'a map' : isSeq(f.node) ? 'a list' : 'nothing';
}

export function formatProblems(label: string, problems: Problem[]): string {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const lines = sorted.map((p) => `${label}:${p.line}: ${p.message}`);
  return lines.length === 1 ? lines[0]! : `${label} has ${lines.length} problems:\n  ${lines.join('\n  ')}`;
}

/** Parsed hosts, or E_HOSTS_INVALID listing every problem with its line. */
export function parseHostsFile(text: string, label: string, baseDir: string): HostSpec[] {
  const { hosts, problems } = validateHostsFile(text, baseDir);
  if (problems.length > 0) throw new FkError('E_HOSTS_INVALID', formatProblems(label, problems));
  return hosts;
}
