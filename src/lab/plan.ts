import { join } from 'node:path';
import { FkError } from '../errors.js';
import { type CgroupLayout, procsFiles } from './cgroup.js';
import { HOST_DIRS, type HostDirName, type HostSpec } from './host-spec.js';
import type { MountStep } from './launch-argv.js';
import {
  bridgeName,
  hostCgroup,
  hostDir,
  type LabPaths,
  labHostsDir,
  labStateDir,
  MAX_LAB_HOSTS,
  netnsName,
  vethName,
} from './naming.js';
import { SSHD_FILES } from './ssh-config.js';
import type { LabHostState, LabState } from './state.js';
import { type Cidr, formatCidr, gatewayOf, hostAddressOf } from './subnet.js';

/**
 * The whole lab as data, before anything exists: names, addresses, cgroups, paths. Pure, so the
 * layout of a lab is tested without root; up.ts makes it real.
 */
export interface PlanInput {
  name: string;
  hosts: HostSpec[];
  subnet: Cidr;
  cgroupLayout: CgroupLayout;
  paths: LabPaths;
  createdAt: string;
}

const DIR_NAMES: HostDirName[] = ['srv', 'lib', 'log', 'tmp'];
/** root's home directory (passwd(5)); lab hosts log in as root. */
export const HOST_HOME = '/root';

export function planLab(p: PlanInput): LabState {
  if (p.hosts.length > MAX_LAB_HOSTS)
    throw new FkError('E_USAGE', `a lab has at most ${MAX_LAB_HOSTS} hosts, got ${p.hosts.length}`);
  const stateDir = labStateDir(p.paths, p.name);
  const hosts = p.hosts.map((h, index): LabHostState => {
    if (h.address !== undefined || h.cpu === undefined || h.memoryBytes === undefined)
      throw new FkError('E_INTERNAL', `planLab got host ${h.name} that is not a lab host`);
    const dir = hostDir(p.paths, p.name, h.name);
    const cgroup = hostCgroup(p.name, h.name);
    const dirsOnDisk = Object.fromEntries(DIR_NAMES.map((d) => [d, join(dir, d)])) as Record<
      HostDirName,
      string
    >;
    const sshdDir = join(dir, 'sshd');
    return {
      name: h.name,
      roles: h.roles,
      cpu: h.cpu,
      memoryBytes: h.memoryBytes,
      ...(h.link ? { link: h.link } : {}),
      index,
      address: hostAddressOf(p.subnet, index),
      netns: netnsName(p.name, h.name),
      veth: vethName(p.name, index),
      cgroup,
      cgroupProcs: procsFiles(p.cgroupLayout, cgroup),
      dir,
      dirsOnDisk,
      homeOnDisk: join(dir, 'root'),
      sshd: {
        dir: sshdDir,
        config: join(sshdDir, SSHD_FILES.config),
        hostKey: join(sshdDir, SSHD_FILES.hostKey),
        pidFile: join(sshdDir, SSHD_FILES.pidFile),
        log: join(dirsOnDisk.log, 'sshd.log'),
      },
    };
  });
  return {
    schemaVersion: 1,
    kind: 'flickr-killr-lab',
    name: p.name,
    status: 'creating',
    createdAt: p.createdAt,
    subnet: formatCidr(p.subnet),
    gateway: gatewayOf(p.subnet),
    bridge: bridgeName(p.name),
    cgroupLayout: p.cgroupLayout,
    paths: p.paths,
    stateDir,
    hostsDir: labHostsDir(p.paths, p.name),
    ssh: {
      identityFile: join(stateDir, 'id_ed25519'),
      knownHostsFile: join(stateDir, 'known_hosts'),
      configFile: join(stateDir, 'ssh_config'),
      // Short: a Unix socket path has at most 107 bytes, and ssh adds a 17-byte temp suffix.
      controlDir: join(stateDir, 'cm'),
    },
    mountPointsCreated: [],
    hosts,
  };
}

/**
 * What a host sees, in order: its own folders bound over the shared paths; its own /root (the
 * machine's root home has shell start-up files — here ~0.2 CPU-seconds of pyenv per bash — that
 * every ssh command would run inside a 0.25-core quota); its sshd folder at a fixed mount point;
 * then empty tmpfs over the lab state (client keys) and over all host folders, so one host reaches
 * another's files only over the network, as on separate machines.
 */
export function hostMountSteps(state: LabState, host: LabHostState): MountStep[] {
  return [
    ...DIR_NAMES.map((d): MountStep => ({ step: 'bind', source: host.dirsOnDisk[d], target: HOST_DIRS[d] })),
    { step: 'bind', source: host.homeOnDisk, target: HOST_HOME },
    { step: 'bind', source: host.sshd.dir, target: state.paths.hostSshdMount },
    { step: 'hide', target: state.paths.stateRoot },
    { step: 'hide', target: state.paths.hostsRoot },
    { step: 'hostname', name: host.name },
  ];
}

/** sshd's files as the host sees them (the sshd folder is mounted at paths.hostSshdMount). */
export const sshdDirInHost = (state: LabState) => state.paths.hostSshdMount;
/** sshd logs into the host's own log folder, where `lab exec HOST -- cat …` finds it too. */
export const sshdLogInHost = () => `${HOST_DIRS.log}/sshd.log`;
