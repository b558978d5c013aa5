import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FkError } from '../errors.js';
import { type CgroupLayout, type CgroupOp, cgroupDirs, cgroupPids } from './cgroup.js';
import { LAB_CGROUP_TOP, labCgroup } from './naming.js';

/** The one place that writes cgroup files; an op that fails names the file and the value. */
export function applyCgroupOps(ops: CgroupOp[]): void {
  for (const o of ops) {
    try {
      if (o.op === 'mkdir') mkdirSync(o.path, { recursive: true });
      else writeFileSync(o.path, o.value);
    } catch (e) {
      const what = o.op === 'mkdir' ? `mkdir ${o.path}` : `echo ${o.value} > ${o.path}`;
      throw new FkError('E_LAB_STEP_FAILED', `${what}: ${(e as Error).message}`, { cause: e });
    }
  }
}

export const readText = (path: string) => readFileSync(path, 'utf8');

/** Host cgroups of a lab that exist now, relative paths (found by name, not from the state file). */
export function existingHostCgroups(layout: CgroupLayout, lab: string): string[] {
  const found = new Set<string>();
  for (const dir of cgroupDirs(layout, labCgroup(lab))) {
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) found.add(`${labCgroup(lab)}/${e.name}`);
  }
  return [...found];
}

/** Lab names that have a cgroup now (for `lab status` with no --name, and leftover reports). */
export function labsWithCgroups(layout: CgroupLayout): string[] {
  const names = new Set<string>();
  for (const dir of cgroupDirs(layout, LAB_CGROUP_TOP)) {
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) names.add(e.name);
  }
  return [...names];
}

/** Kills every process of the cgroup until it is empty (v2: cgroup.kill too, when the kernel has it). */
export async function killCgroup(
  layout: CgroupLayout,
  rel: string,
  kill: (pid: number) => void,
  deadlineMs = 3000,
): Promise<number[]> {
  const killed = new Set<number>();
  const until = Date.now() + deadlineMs;
  for (;;) {
    const pids = cgroupPids(layout, rel, readText);
    if (pids.length === 0) return [...killed];
    if (Date.now() > until)
      throw new FkError('E_LAB_STEP_FAILED', `processes ${pids.join(', ')} of cgroup ${rel} did not die`);
    if (layout.version === 2 && existsSync(join(layout.root, rel, 'cgroup.kill')))
      writeFileSync(join(layout.root, rel, 'cgroup.kill'), '1');
    for (const pid of pids) {
      killed.add(pid);
      kill(pid);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** rmdir of a cgroup in every hierarchy, children first; missing dirs are fine (idempotent). */
export async function removeCgroup(layout: CgroupLayout, rel: string, deadlineMs = 2000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (const dir of cgroupDirs(layout, rel)) {
    for (;;) {
      try {
        if (existsSync(dir)) rmdirSync(dir);
        break;
      } catch (e) {
        // EBUSY while the kernel still counts an exiting task (v1) — retry briefly.
        if (Date.now() > until)
          throw new FkError('E_LAB_STEP_FAILED', `rmdir ${dir}: ${(e as Error).message}`, { cause: e });
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
}

/** rmdir of the lab's own cgroup and of flickr-killr-lab when no other lab uses it. */
export function removeEmptyParents(layout: CgroupLayout, lab: string): void {
  for (const rel of [labCgroup(lab), LAB_CGROUP_TOP])
    for (const dir of cgroupDirs(layout, rel)) {
      try {
        if (existsSync(dir)) rmdirSync(dir);
      } catch {
        // another lab still has hosts here
      }
    }
}
