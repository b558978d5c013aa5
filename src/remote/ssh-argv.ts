import type { RemoteHost } from './remote-host.js';
import { quoteArg, quoteArgv } from './shell-quote.js';

/**
 * ssh / rsync / scp command lines for a host, as argv arrays (pure, tested by equality). One
 * option table serves the lab's ssh_config (for people: `ssh -F …/ssh_config app1`) and the code's
 * own -o options, so a person and the code share one ControlMaster connection per host.
 */
export const CONNECT_TIMEOUT_S = 5;

export interface SshArgvOptions {
  /** false: a one-off connection that neither uses nor leaves a master (lab up's final check). */
  shareConnection?: boolean;
}

export function sshOptions(host: RemoteHost, opts: SshArgvOptions = {}): Array<[string, string]> {
  const o: Array<[string, string]> = [];
  if (host.user !== undefined) o.push(['User', host.user]);
  o.push(['Port', String(host.port)]);
  if (host.identityFile !== undefined) o.push(['IdentityFile', host.identityFile], ['IdentitiesOnly', 'yes']);
  if (host.knownHostsFile !== undefined)
    o.push(['UserKnownHostsFile', host.knownHostsFile], ['GlobalKnownHostsFile', '/dev/null']);
  o.push(
    ['StrictHostKeyChecking', 'yes'],
    // Never prompt (for a passphrase, a password, a new host key): the CLI must never hang.
    ['BatchMode', 'yes'],
    ['ConnectTimeout', String(CONNECT_TIMEOUT_S)],
    // One TCP connection + one key exchange per host, reused by every later command and copy
    // (ssh_config(5) ControlMaster/ControlPersist); %C hashes local host, host, port and user.
    ...((opts.shareConnection ?? true)
      ? ([
          ['ControlMaster', 'auto'],
          ['ControlPath', `${host.controlDir}/%C`],
          ['ControlPersist', '10m'],
        ] as Array<[string, string]>)
      : ([
          ['ControlMaster', 'no'],
          ['ControlPath', 'none'],
        ] as Array<[string, string]>)),
    // A host that vanishes (lab down, link cut) is noticed within ~30 s, not at TCP's ~15 min.
    ['ServerAliveInterval', '10'],
    ['ServerAliveCountMax', '3'],
    ['LogLevel', 'ERROR'],
  );
  return o;
}

function baseArgs(host: RemoteHost, opts: SshArgvOptions = {}): string[] {
  const args: string[] = [];
  if (host.sshConfigFile !== undefined) args.push('-F', host.sshConfigFile);
  for (const [k, v] of sshOptions(host, opts)) args.push('-o', `${k}=${v}`);
  return args;
}

/** ssh running argv on the host (quoted once for the remote login shell). `-T`: no tty, bytes pass as they are. */
export function sshExecArgv(host: RemoteHost, argv: readonly string[], opts: SshArgvOptions = {}): string[] {
  return ['ssh', ...baseArgs(host, opts), '-T', '--', host.address, quoteArgv(argv)];
}

/** An interactive ssh (`lab ssh HOST [-- CMD]`): a tty when asked, the command passed as ssh passes it. */
export function sshInteractiveArgv(host: RemoteHost, command: string[], tty: boolean): string[] {
  return ['ssh', ...baseArgs(host), tty ? '-t' : '-T', '--', host.address, ...command];
}

/** `ssh -O exit|check`: ask the host's master connection to stop / whether it runs. */
export function sshControlArgv(host: RemoteHost, op: 'exit' | 'check'): string[] {
  return ['ssh', ...baseArgs(host), '-O', op, '--', host.address];
}

/** The ssh command line rsync runs (--rsh): quoted the way rsync splits it (quotes, no backslashes). */
export function rsyncRsh(host: RemoteHost): string {
  return ['ssh', ...baseArgs(host)].map(quoteArg).join(' ');
}

const remoteSpec = (host: RemoteHost, path: string) =>
  `${host.address.includes(':') ? `[${host.address}]` : host.address}:${path}`;

/** rsync -a over the host's master connection (rsync(1): "-e, --rsh=COMMAND"). */
export function rsyncArgv(host: RemoteHost, localPath: string, remotePath: string): string[] {
  return ['rsync', '-a', '--rsh', rsyncRsh(host), '--', localPath, remoteSpec(host, remotePath)];
}

/** The fallback when rsync is missing on either side: scp -r (SFTP protocol since OpenSSH 9). */
export function scpArgv(host: RemoteHost, localPath: string, remotePath: string): string[] {
  return ['scp', ...baseArgs(host), '-r', '-p', '-q', '--', localPath, remoteSpec(host, remotePath)];
}

/** Stops the master behind one control socket (lab down, when only the socket is left to go by). */
export function sshSocketExitArgv(socket: string): string[] {
  return ['ssh', '-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'exit', 'fk-lab-master'];
}
