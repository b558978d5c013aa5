import { join } from 'node:path';
import { FkError } from '../errors.js';

/**
 * Every object a lab makes is named from the lab's name, so that `lab down` and the crash
 * clean-up of `lab up` find them by name alone, even when the state file is gone or half written.
 *
 * Linux interface names are at most 15 bytes (IFNAMSIZ 16 with the NUL): `fkl-` + a lab name of
 * ≤ 8 + `-` + a host index of ≤ 2 digits is exactly 15. Lab names have no '-', so `fkl-a-3`
 * can only be host 3 of lab `a`, never something of a lab `a-3`.
 */
export const LAB_NAME_RE = /^[a-z][a-z0-9]{0,7}$/;
export const MAX_LAB_HOSTS = 99;
export const DEFAULT_LAB_NAME = 'lab';
const PREFIX = 'fkl-';

export function checkLabName(name: string): string {
  if (!LAB_NAME_RE.test(name))
    throw new FkError(
      'E_USAGE',
      `--name must be 1-8 lower-case letters and digits, starting with a letter (it is part of interface names, at most 15 bytes), got '${name}'`,
    );
  return name;
}

export interface LabPaths {
  /**
   * One state dir per lab (keys, ssh_config, known_hosts, ControlMaster sockets, state.json).
   * Under /run: it describes running objects (namespaces, cgroups) that a reboot removes too.
   */
  stateRoot: string;
  /**
   * Host folders (srv, lib, log, tmp, sshd) on disk, not tmpfs: the db host's PostgreSQL data and
   * logs can be far larger than /run should hold.
   */
  hostsRoot: string;
  /** Where cgroup hierarchies are mounted. */
  cgroupRoot: string;
  /**
   * An empty folder of the machine on which each host mounts its own sshd folder, so that its
   * sshd finds its files after the lab state and the other hosts' folders are hidden from it.
   */
  hostSshdMount: string;
}

export const DEFAULT_LAB_PATHS: LabPaths = {
  stateRoot: '/run/flickr-killr/labs',
  hostsRoot: '/var/lib/flickr-killr-lab',
  cgroupRoot: '/sys/fs/cgroup',
  hostSshdMount: '/run/flickr-killr/sshd',
};

export const bridgeName = (lab: string) => `${PREFIX}${lab}`;
/** The root-namespace end of a host's veth pair; the host's end is always `eth0`. */
export const vethName = (lab: string, index: number) => `${PREFIX}${lab}-${index}`;
export const netnsName = (lab: string, host: string) => `${PREFIX}${lab}-${host}`;
/** Relative to each cgroup hierarchy (v1 controller mount, or the v2 root). */
export const LAB_CGROUP_TOP = 'flickr-killr-lab';
export const labCgroup = (lab: string) => `${LAB_CGROUP_TOP}/${lab}`;
export const hostCgroup = (lab: string, host: string) => `${LAB_CGROUP_TOP}/${lab}/${host}`;
export const labStateDir = (paths: LabPaths, lab: string) => join(paths.stateRoot, lab);
export const labHostsDir = (paths: LabPaths, lab: string) => join(paths.hostsRoot, lab);
export const hostDir = (paths: LabPaths, lab: string, host: string) => join(paths.hostsRoot, lab, host);

/** The lab's bridge or one of its veths: `fkl-NAME` or `fkl-NAME-<index>`. */
export function isLabLink(lab: string, ifname: string): boolean {
  return ifname === bridgeName(lab) || new RegExp(`^${PREFIX}${lab}-\\d{1,2}$`).test(ifname);
}

export function isLabNetns(lab: string, netns: string): boolean {
  return netns.startsWith(`${PREFIX}${lab}-`);
}

/** Lab names found in a list of interface / netns names (for `lab status` with no lab named). */
export function labOfNetns(netns: string): string | undefined {
  return /^fkl-([a-z][a-z0-9]{0,7})-/.exec(netns)?.[1];
}
