import type { HOST_DIRS, HostDirName, Role } from '../lab/host-spec.js';

/**
 * A host as the code that drives it sees it — the same for an emulated lab host and a real
 * machine, so stage `fleet` and the deploy tool take `--hosts FILE | --lab` and never care which.
 * Get them from loadHosts(file) or hostsForLab(name) (remote/hosts.ts).
 */
export interface RemoteHost {
  name: string;
  roles: Role[];
  address: string;
  port: number;
  /** ssh's default (the local user name) when absent; `root` on lab hosts. */
  user?: string;
  identityFile?: string;
  /** ssh's own known_hosts when absent; the lab writes its own. */
  knownHostsFile?: string;
  /** An ssh_config for ssh -F; the user's ~/.ssh/config applies when absent. */
  sshConfigFile?: string;
  /** Where ControlMaster sockets go (one connection per host, reused). */
  controlDir: string;
  /** CPU cores (a lab host's quota; a real machine's size if the file says so). */
  cpu?: number;
  memoryBytes?: number;
  /** The host's own folders, as paths ON the host (the same on every host, lab or real). */
  dirs: typeof HOST_DIRS;
  /** Only for lab hosts: what the lab made for it, seen from the machine's root namespace. */
  lab?: LabHostHandle;
}

export interface LabHostHandle {
  lab: string;
  netns: string;
  /** The cgroup.procs files of the host's cgroup (one per v1 hierarchy, one for v2). */
  cgroupProcs: string[];
  /** The host's folders on the machine's disk: what /srv, /var/lib/flickr-killr… are on the host. */
  dirsOnDisk: Record<HostDirName, string>;
}
