import type { Prerequisite } from '../daemons/prereq.js';

/** What `lab up` runs, each with the Debian package that provides it (named when missing). */
export const LAB_PREREQUISITES: Prerequisite[] = [
  { binary: 'ip', debianPackage: 'iproute2' },
  { binary: 'unshare', debianPackage: 'util-linux' },
  { binary: 'mount', debianPackage: 'mount' },
  { binary: 'hostname', debianPackage: 'hostname' },
  { binary: 'sshd', debianPackage: 'openssh-server' },
  { binary: 'ssh', debianPackage: 'openssh-client' },
  { binary: 'ssh-keygen', debianPackage: 'openssh-client' },
];

/** Only when a host has a link rate. */
export const TC_PREREQUISITE: Prerequisite = { binary: 'tc', debianPackage: 'iproute2' };
