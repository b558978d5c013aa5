import type { Argv } from './net-argv.js';

/**
 * Starting a host's sshd so that it — and so everything started over SSH — lives in the host's
 * cgroup and namespaces. The order matters (checked on this machine, field-notes "Hosts on one
 * machine"): the launching shell writes its own PID into the cgroup FIRST, then execs into
 * `ip netns exec` (network namespace), `unshare` (private mount + UTS namespaces), a shell that
 * mounts the host's folders, and finally sshd, which daemonizes. Nothing the host runs ever
 * existed outside its cgroup. (sshd writes its PidFile once it listens: up.ts waits for that.)
 *
 * All values travel as positional arguments, never spliced into the scripts, so no path or name
 * needs quoting.
 */
export type MountStep =
  | { step: 'bind'; source: string; target: string }
  /** An empty tmpfs over a folder: hides every lab's state and every host's folders from the host. */
  | { step: 'hide'; target: string }
  | { step: 'hostname'; name: string };

/** Outer script, root namespace: join each cgroup.procs given before `--`, then exec the rest. */
export const JOIN_CGROUP_SCRIPT =
  'while [ "$1" != -- ]; do echo $$ > "$1" || exit 1; shift; done; shift; exec "$@"';

/** Inner script, inside the new mount/UTS namespace: steps as words, then `--` and the command. */
export const MOUNT_STEPS_SCRIPT = [
  'while [ "$#" -gt 0 ]; do case "$1" in',
  'bind) mount --bind "$2" "$3" || exit 1; shift 3;;',
  'hide) mount -t tmpfs -o size=64k,mode=0755 fk-lab-hidden "$2" || exit 1; shift 2;;',
  'hostname) hostname "$2" || exit 1; shift 2;;',
  '--) shift; exec "$@";;',
  '*) echo "fk-lab: unknown step $1" >&2; exit 2;;',
  'esac; done; exit 2',
].join('\n');

export function mountStepWords(steps: MountStep[]): string[] {
  return steps.flatMap((s) =>
    s.step === 'bind'
      ? ['bind', s.source, s.target]
      : s.step === 'hide'
        ? ['hide', s.target]
        : ['hostname', s.name],
  );
}

export interface HostLaunch {
  procsFiles: string[];
  netns: string;
  steps: MountStep[];
  command: Argv;
}

export function hostLaunchArgv(l: HostLaunch): Argv {
  return [
    'sh',
    '-c',
    JOIN_CGROUP_SCRIPT,
    'fk-lab-join',
    ...l.procsFiles,
    '--',
    'ip',
    'netns',
    'exec',
    l.netns,
    // --propagation private: the host's mounts never leak back to the machine, nor the machine's to it.
    'unshare',
    '--mount',
    '--uts',
    '--propagation',
    'private',
    'sh',
    '-c',
    MOUNT_STEPS_SCRIPT,
    'fk-lab-mounts',
    ...mountStepWords(l.steps),
    '--',
    ...l.command,
  ];
}

/** sshd without -D forks into the background (sshd(8)); -E: its log goes to the host's own log folder. */
export const sshdArgv = (sshdPath: string, config: string, log: string): Argv => [
  sshdPath,
  '-f',
  config,
  '-E',
  log,
];
