/**
 * What `capacity` measures: something that can be started at a size, answers HTTP at a URL, and
 * says how busy each of its parts was. A local stage (local-target.ts: size = app processes, CPU
 * from /proc, the machine as the budget) implements it today; stage fleet (fleet-target.ts:
 * size = app hosts, CPU per host from its cgroup against its quota) is the second implementation.
 * The search, the scale-out curve, the overload curves and the answer know only this interface.
 */
import type { HostUsage, PartUsage } from '../report/capacity-types.js';
import type { ProtectLimits } from '../stages/stage.js';

export interface TargetInfo {
  kind: 'stage' | 'fleet';
  /** The stage's name, or the lab's / hosts file's. */
  name: string;
  /** What one unit of size is: 'app processes' (a stage), 'app hosts' (a fleet). */
  sizeUnit: string;
  /** The largest size it can be started at (a stage: 2 × cores; a fleet: its app hosts). */
  maxSize: number;
  /** Who answers /static: the advice "static off the app hosts" applies when it is the app. */
  staticFrom: 'app' | 'front' | 'cache';
  /** Users in its database: the workload views /users/{1..users}, logged in as random users. */
  users: number;
}

export interface CpuReading {
  parts: PartUsage[];
  /** The load generator's own CPU, when it runs where the target can see it (a local stage). */
  generatorCores: number | null;
}

/** CPU sampling over one probe: started when created, read for the probe's measured window. */
export interface CpuMeter {
  /** CPU per part between two instants (epoch ms); undefined when nothing could be read. */
  window(fromMs: number, toMs: number): CpuReading | undefined;
  stop(): void;
}

export interface RunningTarget {
  size: number;
  /** Front door, e.g. http://127.0.0.1:41234 or the lb host's address (no trailing slash). */
  url: string;
  cpu(): CpuMeter;
  /** Stops everything start() started; idempotent. */
  stop(): Promise<void>;
}

export interface CapacityTarget {
  info: TargetInfo;
  /** With `protect`, every app process (and the front door) bounds its requests in flight. */
  start(size: number, opts: { protect?: ProtectLimits }): Promise<RunningTarget>;
}

/**
 * Parts at ≥ 85 % of their budget count as saturated: /proc and cgroup sampling over a few seconds
 * under-read a pegged process by a few percent (the ladder's diagnosis uses the same share).
 */
export const SATURATED_SHARE = 0.85;

export function saturatedShared(parts: PartUsage[]): string[] {
  return parts.filter((p) => p.shared && p.usedCores >= SATURATED_SHARE * p.budgetCores).map((p) => p.name);
}

/**
 * How the answer names a part: on a fleet the HOST and its role — "lb host 'lb' (0.75 core)" —
 * because the remedy is about machines; on a local stage the process ('nginx', 'machine').
 */
export function partLabel(
  p: Pick<PartUsage, 'name' | 'role' | 'budgetCores' | 'roles'>,
  kind: 'stage' | 'fleet',
): string {
  if (kind !== 'fleet') return p.name;
  const roles = p.roles !== undefined && p.roles.length > 0 ? p.roles.join('+') : p.role;
  return `${roles} host '${p.name}' (${p.budgetCores} core${p.budgetCores === 1 ? '' : 's'})`;
}

/** A fleet's parts as hosts (capacity.json's cpu.hosts[]). */
export function hostUsages(parts: readonly PartUsage[]): HostUsage[] {
  // 'other processes' (the machine under a lab) is not a host.
  return parts
    .filter((p) => p.role !== 'other')
    .map((p) => ({
      name: p.name,
      roles: p.roles ?? [p.role],
      usedCores: p.usedCores,
      quotaCores: p.budgetCores,
    }));
}
