import type { RemoteHost } from './remote-host.js';

/**
 * The one way code drives a host — a lab host or a real machine alike. Stage `fleet`, the deploy
 * tool and the lab's own commands use only this; SshRemote (ssh-remote.ts) is the implementation.
 */
export interface ExecOptions {
  /** Written to the command's stdin, then closed. */
  input?: string | Buffer;
  /** The local ssh client is killed after this long (E_REMOTE_TIMEOUT); default 60 s. */
  timeoutMs?: number;
}

export interface ExecResult {
  /** The remote command's exit code, as the remote shell reports it. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CopyResult {
  /** rsync when both sides have it, else scp; said so callers can log which one ran. */
  method: 'rsync' | 'scp';
}

export interface Remote {
  readonly host: RemoteHost;
  /** Runs argv on the host (no shell expansion: each element arrives as one argument). */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Copies a local file or folder to the host, like `rsync -a LOCAL HOST:REMOTE`. */
  copy(localPath: string, remotePath: string): Promise<CopyResult>;
  /** Ends the host's shared connection (ControlMaster); later calls open a new one. */
  close(): Promise<void>;
}
