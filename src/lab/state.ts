import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FkError } from '../errors.js';
import type { CgroupLayout } from './cgroup.js';
import type { HostDirName, LinkRate, Role } from './host-spec.js';
import type { LabPaths } from './naming.js';

/**
 * Everything a lab made, written to <stateDir>/state.json as it is made: `lab status`, `lab ssh`,
 * hostsForLab() and `lab down` read it. (`lab down` also finds leftovers by name, so a crash
 * between two writes loses nothing.)
 */
export interface LabHostState {
  name: string;
  roles: Role[];
  cpu: number;
  memoryBytes: number;
  link?: LinkRate;
  index: number;
  address: string;
  netns: string;
  veth: string;
  /** Relative to each hierarchy: flickr-killr-lab/LAB/HOST. */
  cgroup: string;
  cgroupProcs: string[];
  /** The host's folder on disk, and what each of its private folders is on disk. */
  dir: string;
  dirsOnDisk: Record<HostDirName, string>;
  /** root's home on the host (/root there): a fresh one per host, as on a newly provisioned machine. */
  homeOnDisk: string;
  sshd: {
    /** On disk; the same folder is `paths.hostSshdMount` inside the host. */
    dir: string;
    config: string;
    hostKey: string;
    pidFile: string;
    log: string;
    pid?: number;
  };
}

export interface LabState {
  schemaVersion: 1;
  kind: 'flickr-killr-lab';
  name: string;
  status: 'creating' | 'up';
  createdAt: string;
  subnet: string;
  gateway: string;
  bridge: string;
  cgroupLayout: CgroupLayout;
  paths: LabPaths;
  stateDir: string;
  hostsDir: string;
  ssh: { identityFile: string; knownHostsFile: string; configFile: string; controlDir: string };
  /** Mount points the lab created on the machine (empty folders), removed with the last lab. */
  mountPointsCreated: string[];
  hosts: LabHostState[];
}

export const STATE_FILE = 'state.json';

/** Written to a temp file and renamed: a reader never sees half a state. */
export function writeLabState(state: LabState): void {
  const file = join(state.stateDir, STATE_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function readLabState(stateDir: string): LabState | undefined {
  let text: string;
  try {
    text = readFileSync(join(stateDir, STATE_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as LabState;
    if (s.kind !== 'flickr-killr-lab' || s.schemaVersion !== 1) throw new Error('not a lab state');
    return s;
  } catch (e) {
    throw new FkError(
      'E_LAB_STEP_FAILED',
      `${join(stateDir, STATE_FILE)} is not a lab state (${(e as Error).message})`,
    );
  }
}
