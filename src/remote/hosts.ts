import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { FkError } from '../errors.js';
import { HOST_DIRS, type HostSpec } from '../lab/host-spec.js';
import { formatProblems, validateHostsFile } from '../lab/hosts-file.js';
import { DEFAULT_LAB_PATHS, type LabPaths, labStateDir } from '../lab/naming.js';
import { type LabState, readLabState } from '../lab/state.js';
import type { RemoteHost } from './remote-host.js';

/**
 * The typed host list, from a hosts file of real machines or from a running lab — the same
 * RemoteHost[] either way, so `--hosts FILE | --lab` is one line in a command.
 */

/** Where ControlMaster sockets of real machines go: short (socket paths ≤ 107 bytes), per user. */
export const DEFAULT_CONTROL_DIR = join(tmpdir(), 'flickr-killr-ssh');

/** Hosts of real machines, each reached at its address; nothing is created. */
export function hostsFromSpecs(specs: HostSpec[], controlDir = DEFAULT_CONTROL_DIR): RemoteHost[] {
  return specs.map((h) => {
    if (h.address === undefined) throw new FkError('E_INTERNAL', `host ${h.name} has no address`);
    return {
      name: h.name,
      roles: h.roles,
      address: h.address,
      port: h.ssh?.port ?? 22,
      ...(h.ssh?.user !== undefined ? { user: h.ssh.user } : {}),
      ...(h.ssh?.key !== undefined ? { identityFile: h.ssh.key } : {}),
      controlDir,
      ...(h.cpu !== undefined ? { cpu: h.cpu } : {}),
      ...(h.memoryBytes !== undefined ? { memoryBytes: h.memoryBytes } : {}),
      dirs: HOST_DIRS,
    };
  });
}

/** A hosts file of real machines. A host without an address exists only in a lab: an error naming its line. */
export function loadHosts(file: string, opts: { cwd?: string; controlDir?: string } = {}): RemoteHost[] {
  const path = resolve(opts.cwd ?? '.', file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FkError(
      'E_HOSTS_INVALID',
      `cannot read hosts file ${path}: ${(e as NodeJS.ErrnoException).code}`,
    );
  }
  const label = basename(path);
  const { hosts, problems } = validateHostsFile(text, dirname(path));
  for (const h of hosts)
    if (h.address === undefined)
      problems.push({
        line: h.line,
        message: `host "${h.name}" has no address: hosts without one exist only in a lab (\`lab up --hosts ${label}\`, then --lab)`,
      });
  if (problems.length > 0) throw new FkError('E_HOSTS_INVALID', formatProblems(label, problems));
  return hostsFromSpecs(hosts, opts.controlDir);
}

/** The hosts of a running lab as RemoteHosts (pure: from its state). */
export function hostsFromLabState(state: LabState): RemoteHost[] {
  return state.hosts.map((h) => ({
    name: h.name,
    roles: h.roles,
    address: h.address,
    port: 22,
    user: 'root',
    identityFile: state.ssh.identityFile,
    knownHostsFile: state.ssh.knownHostsFile,
    sshConfigFile: state.ssh.configFile,
    controlDir: state.ssh.controlDir,
    cpu: h.cpu,
    memoryBytes: h.memoryBytes,
    dirs: HOST_DIRS,
    lab: { lab: state.name, netns: h.netns, cgroupProcs: h.cgroupProcs, dirsOnDisk: h.dirsOnDisk },
  }));
}

export function readRunningLab(name: string, paths: LabPaths = DEFAULT_LAB_PATHS): LabState {
  const state = readLabState(labStateDir(paths, name));
  if (state === undefined) throw new FkError('E_LAB_NOT_FOUND', `lab ${name} is not up`);
  if (state.status !== 'up')
    throw new FkError('E_LAB_NOT_FOUND', `lab ${name} is still being created (or its lab up crashed)`);
  return state;
}

/** The hosts of the lab NAME (E_LAB_NOT_FOUND when it is not up). */
export function hostsForLab(name: string, paths: LabPaths = DEFAULT_LAB_PATHS): RemoteHost[] {
  return hostsFromLabState(readRunningLab(name, paths));
}
