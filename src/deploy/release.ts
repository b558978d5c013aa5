import { createHash } from 'node:crypto';
import { FkError } from '../errors.js';

/**
 * A release is a build plus its configuration (Velociraptor's model): the artifact id
 * (deploy/artifact.ts) and what the app processes are given — database URL, sessions URL, app
 * processes per host, extra environment. Its id is a short hash of both, so changing only the
 * config makes a new release of the same build, and the same pair is always the same release.
 */
export interface ReleaseConfig {
  databaseUrl: string;
  sessionsUrl: string;
  workersPerHost: number;
  env: Record<string, string>;
  /**
   * --protect: requests in flight each app process admits (AppProcessSpec.maxInFlight). Absent
   * (not undefined: the key is left out) for an unbounded fleet, so every release recorded before
   * this field existed hashes to the same id as it did then.
   */
  maxInFlight?: number;
}

export interface Release {
  id: string;
  artifact: string;
  config: ReleaseConfig;
  /** ISO time it was first recorded. */
  createdAt: string;
}

const ID_LENGTH = 12;

/**
 * Object keys sorted at every level: the same config always hashes the same. A key whose value
 * is undefined is left out, as JSON.stringify (the state file) leaves it out.
 */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export function releaseId(artifact: string, config: ReleaseConfig): string {
  return createHash('sha256')
    .update(`${artifact}\n${canonical(config)}`)
    .digest('hex')
    .slice(0, ID_LENGTH);
}

export function makeRelease(artifact: string, config: ReleaseConfig, now = new Date()): Release {
  return { id: releaseId(artifact, config), artifact, config, createdAt: now.toISOString() };
}

/** `--env K=V` words → a map; a bad word is E_USAGE naming it. */
export function parseEnvPairs(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w);
    if (m === null) throw new FkError('E_USAGE', `--env takes KEY=VALUE, got ${JSON.stringify(w)}`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** Program names of a release on a host: app-<release>-<port> (supervisor names: [a-z][a-z0-9-]*). */
export const releaseProgramName = (release: string, port: number) => `app-${release}-${port}`;

/**
 * Ports for n new processes beside the ones a host runs: the lowest free ones of the app range,
 * so two releases never share a port and the range stays small (old ports are freed each deploy).
 */
export function freshPorts(used: ReadonlySet<number>, n: number, first = 9001, last = 9199): number[] {
  const out: number[] = [];
  for (let p = first; p <= last && out.length < n; p++) if (!used.has(p)) out.push(p);
  if (out.length < n) throw new FkError('E_DEPLOY_STATE', `no ${n} free app ports in ${first}-${last}`);
  return out;
}

/** `--batch N|P%` of `total` hosts → hosts per batch (at least 1). */
export function batchSize(spec: string | undefined, total: number, fallback: number): number {
  if (spec === undefined) return Math.max(1, Math.min(total, fallback));
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(spec);
  if (pct !== null) {
    const p = Number(pct[1]);
    if (p <= 0 || p > 100) throw new FkError('E_USAGE', `--batch ${spec}: a percentage in (0, 100]`);
    return Math.max(1, Math.ceil((total * p) / 100));
  }
  if (!/^\d+$/.test(spec) || Number(spec) < 1)
    throw new FkError('E_USAGE', `--batch takes N (hosts) or P% , got ${JSON.stringify(spec)}`);
  return Math.min(total, Number(spec));
}

export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
