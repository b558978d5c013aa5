import type { RemoteHost } from '../remote/remote-host.js';
import { sshOptions } from '../remote/ssh-argv.js';

/**
 * The lab's OpenSSH files, rendered by pure functions (golden-tested): each host's sshd_config,
 * and the client side — ssh_config and known_hosts — that people and code use alike.
 */
export interface SshdConfigInput {
  host: string;
  lab: string;
  address: string;
  /** Paths as the host's sshd sees them (inside its mount namespace). */
  dir: string;
}

export const SSHD_FILES = {
  config: 'sshd_config',
  hostKey: 'ssh_host_ed25519_key',
  authorizedKeys: 'authorized_keys',
  pidFile: 'sshd.pid',
} as const;

export function renderSshdConfig(i: SshdConfigInput): string {
  return `# sshd of host ${i.host} in lab ${i.lab}, written by \`flickr-killr lab up\` (docs/lab.md).
# Only the host's own address: the machine's own sshd (if any) and other hosts are untouched.
ListenAddress ${i.address}:22
HostKey ${i.dir}/${SSHD_FILES.hostKey}
PidFile ${i.dir}/${SSHD_FILES.pidFile}
AuthorizedKeysFile ${i.dir}/${SSHD_FILES.authorizedKeys}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
# No PAM: PID 1 here is not systemd, and a lab host has no login sessions to set up.
UsePAM no
# The key files live in folders the lab owns (0700 root), not in a home directory.
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
# scp's fallback (OpenSSH >= 9 copies over SFTP) without depending on the sftp-server path.
Subsystem sftp internal-sftp
# Commands are multiplexed over one ControlMaster connection per host: allow many at once
# (default 10 sessions per connection, 10 unauthenticated connections).
MaxSessions 64
MaxStartups 64:30:128
ClientAliveInterval 15
ClientAliveCountMax 4
`;
}

/** ssh_config for `ssh -F FILE HOST`: one Host block per host name, then the shared options. */
export function renderSshConfig(lab: string, hosts: RemoteHost[]): string {
  const blocks = hosts.map((h) => `Host ${h.name}\n  HostName ${h.address}\n`);
  const common = hosts[0] === undefined ? [] : sshOptions(hosts[0]);
  return [
    `# ssh_config of lab ${lab}, written by \`flickr-killr lab up\`: ssh -F THIS_FILE HOST (docs/lab.md)`,
    ...blocks,
    // ssh_config(5): the first value found wins, so the per-host blocks come before `Host *`.
    'Host *',
    ...common.map(([k, v]) => `  ${k} ${v}`),
    '',
  ].join('\n');
}

/** known_hosts lines (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): `[addr]:port` only off port 22. */
export function renderKnownHosts(
  entries: Array<{ address: string; port: number; publicKey: string }>,
): string {
  return entries
    .map((e) => {
      const [type, key] = e.publicKey.trim().split(/\s+/);
      const who = e.port === 22 ? e.address : `[${e.address}]:${e.port}`;
      return `${who} ${type} ${key}\n`;
    })
    .join('');
}
