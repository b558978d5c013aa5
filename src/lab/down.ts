import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runLocal } from '../remote/run-local.js';
import { sshSocketExitArgv } from '../remote/ssh-argv.js';
import { type CgroupLayout, cgroupDirs, detectCgroupLayout } from './cgroup.js';
import { existingHostCgroups, killCgroup, removeCgroup, removeEmptyParents } from './cgroup-fs.js';
import {
  checkLabName,
  DEFAULT_LAB_PATHS,
  isLabLink,
  isLabNetns,
  type LabPaths,
  labCgroup,
  labHostsDir,
  labStateDir,
} from './naming.js';
import {
  linkDelArgv,
  linkListArgv,
  namesFromJson,
  netnsDelArgv,
  netnsListArgv,
  netnsPidsArgv,
} from './net-argv.js';
import { mustRun } from './run-step.js';
import { type LabState, readLabState } from './state.js';

/**
 * Removes everything a lab made, found by NAME (naming.ts), not only through its state file, so
 * it also cleans what a crashed `lab up` left: ssh masters, every process of each host's cgroup
 * and network namespace (killed until none is left), cgroups, namespaces (their mount namespaces
 * die with their last process), veths, the bridge, the state dir and the host folders.
 * Idempotent: with nothing left it reports nothingToDo.
 */
export interface LabDownReport {
  name: string;
  nothingToDo: boolean;
  ms: number;
  killed: number[];
  netns: string[];
  links: string[];
  cgroups: string[];
  dirs: string[];
}

const sigkill = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
};

export async function labDown(name: string, paths: LabPaths = DEFAULT_LAB_PATHS): Promise<LabDownReport> {
  const started = performance.now();
  // The name becomes part of patterns that match interfaces and namespaces: never anything but a lab name.
  checkLabName(name);
  const stateDir = labStateDir(paths, name);
  let state: LabState | undefined;
  try {
    state = readLabState(stateDir);
  } catch {
    state = undefined; // half-written or foreign: clean up by names alone
  }
  const layout = state?.cgroupLayout ?? detectLayoutOrUndefined(paths.cgroupRoot);
  const [nsList, linkList] = await Promise.all([
    mustRun(netnsListArgv(), 'listing network namespaces'),
    mustRun(linkListArgv(), 'listing links'),
  ]);
  const netns = namesFromJson(nsList.stdout, 'name').filter((n) => isLabNetns(name, n));
  const links = namesFromJson(linkList.stdout, 'ifname').filter((n) => isLabLink(name, n));
  const cgroups = layout ? existingHostCgroups(layout, name) : [];
  const labCgroupLeft = layout ? cgroupDirs(layout, labCgroup(name)).some((d) => existsSync(d)) : false;
  const dirs = [stateDir, labHostsDir(paths, name)].filter((d) => existsSync(d));
  const report = { name, killed: [] as number[], netns, links, cgroups, dirs };
  if (netns.length + links.length + cgroups.length + dirs.length === 0 && !labCgroupLeft)
    return { ...report, nothingToDo: true, ms: performance.now() - started };

  await closeMasters(state?.ssh.controlDir ?? join(stateDir, 'cm'));
  const killed = new Set<number>();
  if (layout) {
    const lists = await Promise.all(cgroups.map((rel) => killCgroup(layout, rel, sigkill)));
    for (const l of lists) for (const p of l) killed.add(p);
  }
  // Processes in a host's network namespace but outside its cgroup (a crash before the move).
  for (const l of await Promise.all(netns.map(killNetnsProcesses))) for (const p of l) killed.add(p);
  if (layout) {
    await Promise.all(cgroups.map((rel) => removeCgroup(layout, rel)));
    removeEmptyParents(layout, name);
  }
  await Promise.all(netns.map((ns) => mustRun(netnsDelArgv(ns), `removing network namespace ${ns}`)));
  await removeLinks(name);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  removeSharedLeftovers(paths, state);
  return { ...report, killed: [...killed], nothingToDo: false, ms: performance.now() - started };
}

function detectLayoutOrUndefined(root: string): CgroupLayout | undefined {
  try {
    return detectCgroupLayout(root);
  } catch {
    return undefined;
  }
}

/** `ssh -O exit` through every control socket left: the masters end cleanly, before their hosts do. */
async function closeMasters(controlDir: string): Promise<void> {
  if (!existsSync(controlDir)) return;
  const sockets = readdirSync(controlDir).map((f) => join(controlDir, f));
  await Promise.all(sockets.map((s) => runLocal(sshSocketExitArgv(s), { timeoutMs: 2000 })));
}

async function killNetnsProcesses(netns: string): Promise<number[]> {
  const killed: number[] = [];
  const until = Date.now() + 3000;
  for (;;) {
    const r = await runLocal(netnsPidsArgv(netns), { timeoutMs: 5000 });
    const pids = r.stdout
      .split('\n')
      .filter((l) => /^\d+$/.test(l.trim()))
      .map(Number);
    if (pids.length === 0 || Date.now() > until) return killed;
    for (const p of pids) {
      killed.push(p);
      sigkill(p);
    }
    await new Promise((res) => setTimeout(res, 10));
  }
}

/**
 * The kernel destroys a deleted namespace's devices asynchronously, so a veth may outlive its
 * namespace for a moment: delete what is still listed (veths first, the bridge last).
 */
async function removeLinks(name: string): Promise<void> {
  const r = await mustRun(linkListArgv(), 'listing links');
  const left = namesFromJson(r.stdout, 'ifname').filter((n) => isLabLink(name, n));
  left.sort((a, b) => b.length - a.length);
  for (const l of left) {
    const del = await runLocal(linkDelArgv(l), { timeoutMs: 5000 });
    if (del.code !== 0 && !/Cannot find device/.test(del.stderr))
      await mustRun(linkDelArgv(l), `removing link ${l}`);
  }
}

/** With the last lab gone: the empty mount points and roots the labs created. rmdir never removes content. */
function removeSharedLeftovers(paths: LabPaths, state: LabState | undefined): void {
  const others = existsSync(paths.stateRoot) ? readdirSync(paths.stateRoot) : [];
  if (others.length > 0) return;
  const candidates = [
    ...(state?.mountPointsCreated ?? []),
    paths.hostSshdMount,
    paths.stateRoot,
    dirname(paths.stateRoot),
    paths.hostsRoot,
  ];
  for (const d of candidates) {
    try {
      rmdirSync(d);
    } catch {
      // not empty, or not there: left alone
    }
  }
}
