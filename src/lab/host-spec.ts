/**
 * One entry of a hosts file: either an emulated host the lab creates (cpu + memory, no address)
 * or a real machine reached at its address (address + ssh; nothing is created). The same type
 * feeds `lab up`, stage `fleet` and the deploy tool; see docs/lab.md for the file format.
 */
export const ROLES = ['lb', 'app', 'cache', 'sessions', 'db'] as const;
export type Role = (typeof ROLES)[number];

export interface LinkRate {
  bitsPerSecond: number;
  /** The rate as tc(8) writes it, e.g. '100mbit' (tc's `bps` would mean BYTES per second). */
  tc: string;
}

export interface SshSettings {
  /** ssh's default (the local user name) when absent. */
  user?: string;
  /** Private key file, absolute (resolved against the hosts file's folder); ssh's default when absent. */
  key?: string;
  port: number;
}

export interface HostSpec {
  name: string;
  roles: Role[];
  /** CPU cores as a quota (0.25 = a quarter of one core); required for lab hosts. */
  cpu?: number;
  /** Memory limit in bytes; required for lab hosts. */
  memoryBytes?: number;
  /** Link rate of the host's interface (both directions, tc tbf); lab hosts only. */
  link?: LinkRate;
  /** Real machines only: where ssh reaches it. */
  address?: string;
  ssh?: SshSettings;
  /** Line of the host's entry in its file (1-based), for later errors about it. */
  line: number;
}

/**
 * The directories every host has for itself (on a lab host: bind mounts of its own folders; on a
 * real machine: the same paths). Deployed code writes nowhere else.
 */
export const HOST_DIRS = {
  srv: '/srv',
  lib: '/var/lib/flickr-killr',
  log: '/var/log/flickr-killr',
  tmp: '/tmp',
} as const;
export type HostDirName = keyof typeof HOST_DIRS;

/** Host names double as hostnames (UTS) and parts of netns names: one DNS label, lower case. */
export const HOST_NAME_RE = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
