import type { Prerequisite } from '../daemons/prereq.js';

/**
 * Installing what is missing, as a plan (pure: decided from facts about the machine, tested by
 * equality) and its execution through a command runner (real in the CLI, fake in tests).
 * Debian only: other distributions get the list of what is missing, named by binary.
 */
export interface MachineFacts {
  isRoot: boolean;
  /** `sudo -n true` succeeded: passwordless sudo. */
  sudo: boolean;
  aptGet: boolean;
  /** The opt-out: --no-install or FK_NO_INSTALL=1. */
  noInstall: boolean;
}

export type InstallPlan =
  | { kind: 'nothing' }
  | { kind: 'install'; prefix: string[]; packages: string[] }
  | { kind: 'instruct'; command: string; why: string }
  | { kind: 'unsupported'; missing: string[]; why: string };

export function planInstall(missing: Prerequisite[], m: MachineFacts): InstallPlan {
  if (missing.length === 0) return { kind: 'nothing' };
  const packages = [...new Set(missing.map((p) => p.debianPackage))];
  if (!m.aptGet) {
    return {
      kind: 'unsupported',
      missing: missing.map((p) => `${p.binary} (Debian package ${p.debianPackage})`),
      why: 'this is not a Debian-like system (no apt-get): install these with your package manager',
    };
  }
  const command = `${m.isRoot ? '' : 'sudo '}apt-get install ${packages.join(' ')}`;
  if (m.noInstall)
    return { kind: 'instruct', command, why: 'installing was turned off (--no-install / FK_NO_INSTALL=1)' };
  if (m.isRoot) return { kind: 'install', prefix: [], packages };
  if (m.sudo) return { kind: 'install', prefix: ['sudo', '-n'], packages };
  return { kind: 'instruct', command, why: 'installing needs root or passwordless sudo' };
}

export type Runner = (
  argv: string[],
  env?: Record<string, string>,
) => Promise<{ code: number; output: string }>;

export interface InstallOutcome {
  installed: Array<{ pkg: string; seconds: number }>;
  failed: Array<{ pkg: string; reason: string }>;
}

// Debian's way to keep maintainer scripts from starting daemons (a fresh nginx on port 80, a
// system PostgreSQL): policy-rc.d answering 101 "action forbidden". We start our own instances.
const POLICY_RC_D = '/usr/sbin/policy-rc.d';
const NONINTERACTIVE = { DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' };

/**
 * apt-get install, one package at a time so each gets its line and its time; `apt-get update`
 * first when the package lists are empty (a fresh machine), or once after a package was not found.
 */
export async function runInstall(
  plan: Extract<InstallPlan, { kind: 'install' }>,
  run: Runner,
  log: (line: string) => void,
  now: () => number = () => performance.now(),
): Promise<InstallOutcome> {
  const sh = (script: string) => run([...plan.prefix, 'sh', '-c', script]);
  const apt = (args: string[]) => run([...plan.prefix, 'env', ...envArgs(), 'apt-get', ...args]);
  const out: InstallOutcome = { installed: [], failed: [] };
  const ownPolicy = (
    await sh(
      `[ -e ${POLICY_RC_D} ] || { printf '#!/bin/sh\\nexit 101\\n' > ${POLICY_RC_D} && chmod 755 ${POLICY_RC_D} && echo made; }`,
    )
  ).output.includes('made');
  try {
    let updated = false;
    const update = async () => {
      const t0 = now();
      const r = await apt(['update', '-q']);
      updated = true;
      log(`setup: apt-get update ${r.code === 0 ? 'done' : 'failed'} in ${secs(now() - t0)} s`);
    };
    if ((await sh('ls /var/lib/apt/lists/ 2>/dev/null | grep -q _Packages')).code !== 0) await update();
    for (const pkg of plan.packages) {
      const t0 = now();
      let r = await apt(['install', '-y', '-q', pkg]);
      if (r.code !== 0 && !updated) {
        await update();
        r = await apt(['install', '-y', '-q', pkg]);
      }
      const ms = now() - t0;
      if (r.code === 0) {
        out.installed.push({ pkg, seconds: ms / 1000 });
        log(`setup: installed ${pkg} in ${secs(ms)} s`);
      } else {
        const reason = lastLine(r.output);
        out.failed.push({ pkg, reason });
        log(`setup: could not install ${pkg}: ${reason}`);
      }
    }
  } finally {
    if (ownPolicy) await sh(`rm -f ${POLICY_RC_D}`);
  }
  return out;
}

const envArgs = () => Object.entries(NONINTERACTIVE).map(([k, v]) => `${k}=${v}`);
const secs = (ms: number) => (ms / 1000).toFixed(1);

function lastLine(output: string): string {
  const lines = output
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '');
  return (lines.at(-1) ?? 'apt-get failed').slice(0, 200);
}
