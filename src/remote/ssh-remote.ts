import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { findBinary } from '../daemons/prereq.js';
import { FkError } from '../errors.js';
import type { CopyResult, ExecOptions, ExecResult, Remote } from './remote.js';
import type { RemoteHost } from './remote-host.js';
import { type RunOptions, type RunResult, runLocal, SYSTEM_PATH } from './run-local.js';
import { CONNECT_TIMEOUT_S, rsyncArgv, scpArgv, sshControlArgv, sshExecArgv } from './ssh-argv.js';

/**
 * Remote over OpenSSH. The first command opens the host's master connection (ControlMaster=auto),
 * every later one reuses it: one TCP connection and one key exchange per host.
 *
 * Exit codes: ssh exits with the remote command's status, or 255 for its own errors (ssh(1)).
 * A 255 whose stderr is ssh's own complaint becomes E_REMOTE_UNREACHABLE. A 255 with nothing of
 * ssh's on stderr is ambiguous: the remote command's own 255, or a master connection that died
 * under its mux client — a host cut off is noticed by ServerAlive, and ssh says so at INFO
 * level ("Timeout, server … not responding"), below our LogLevel=ERROR, so the client exits 255
 * with an empty stderr. That case is settled by a one-off connection (no master) running `true`:
 * if it fails too the host is unreachable; if it works the 255 was the command's, returned as is.
 */
const SSH_FAILURE =
  /^(ssh: |kex_exchange_identification|Connection (closed|reset|timed out|refused)|Host key verification failed|(\S+: )?Permission denied \(|No ED25519 host key|Control socket connect|mux_client_|ControlSocket .* already exists|Received disconnect|Bad owner or permissions)/m;

export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

export function isSshFailure(code: number, stderr: string): boolean {
  return code === 255 && SSH_FAILURE.test(stderr);
}

/**
 * The environment ssh gets: HOME (ssh reads ~/.ssh even when every file is given), the agent
 * socket and the user — from the caller's env (the CLI's io.env), nothing else of it.
 */
export function sshEnv(callerEnv: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: SYSTEM_PATH,
    LANG: 'C.UTF-8',
    HOME: callerEnv.HOME ?? homedir(),
  };
  for (const k of ['SSH_AUTH_SOCK', 'USER', 'LOGNAME'])
    if (callerEnv[k] !== undefined) env[k] = callerEnv[k]!;
  return env;
}

/** The execution layer SshRemote runs its ssh/rsync/scp argv through (runLocal; a fake in unit tests). */
export type LocalRunner = (argv: readonly string[], opts: RunOptions) => Promise<RunResult>;

/** The one-off check's bound: ssh's ConnectTimeout plus the key exchange and `true` on a slow host. */
export const CONFIRM_TIMEOUT_MS = (CONNECT_TIMEOUT_S + 10) * 1000;

export class SshRemote implements Remote {
  private method: Promise<CopyResult['method']> | undefined;

  constructor(
    readonly host: RemoteHost,
    private readonly env: Record<string, string> = sshEnv(),
    private readonly runner: LocalRunner = runLocal,
  ) {}

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.run(sshExecArgv(this.host, argv), opts, argv);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  async copy(localPath: string, remotePath: string): Promise<CopyResult> {
    this.method ??= this.copyMethod();
    const method = await this.method;
    const argv =
      method === 'rsync'
        ? rsyncArgv(this.host, localPath, remotePath)
        : scpArgv(this.host, localPath, remotePath);
    const r = await this.run(argv, { timeoutMs: 10 * DEFAULT_EXEC_TIMEOUT_MS }, [method, localPath]);
    if (r.code !== 0)
      throw new FkError(
        'E_REMOTE_COPY',
        `${method} ${localPath} to ${this.where()}:${remotePath} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`,
      );
    return { method };
  }

  async close(): Promise<void> {
    // "No such file" when no master runs: closing twice, or before any command, is fine.
    await this.runner(sshControlArgv(this.host, 'exit'), { timeoutMs: 5000, env: this.env });
  }

  /** rsync needs a binary on both ends; scp (SFTP) needs only sshd's internal sftp. */
  private async copyMethod(): Promise<CopyResult['method']> {
    if (findBinary('rsync', SYSTEM_PATH) === undefined) return 'scp';
    const r = await this.exec(['sh', '-c', 'command -v rsync'], { timeoutMs: 15_000 });
    return r.code === 0 ? 'rsync' : 'scp';
  }

  private where(): string {
    return `${this.host.name} (${this.host.address}:${this.host.port})`;
  }

  private async run(argv: string[], opts: ExecOptions, shown: readonly string[]): Promise<RunResult> {
    mkdirSync(this.host.controlDir, { recursive: true, mode: 0o700 });
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const r = await this.runner(argv, {
      timeoutMs,
      env: this.env,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    if (r.timedOut)
      throw new FkError(
        'E_REMOTE_TIMEOUT',
        `\`${shown.join(' ').slice(0, 200)}\` on ${this.where()} did not finish within ${timeoutMs} ms`,
      );
    if (isSshFailure(r.code, r.stderr))
      throw new FkError(
        'E_REMOTE_UNREACHABLE',
        `host ${this.where()} unreachable over ssh: ${r.stderr.trim().split('\n')[0]}`,
      );
    if (r.code === 255) {
      const why = await this.unreachableWhy();
      if (why !== undefined)
        throw new FkError(
          'E_REMOTE_UNREACHABLE',
          `host ${this.where()} unreachable over ssh: \`${shown.join(' ').slice(0, 80)}\` exited 255${r.stderr.trim() === '' ? ' with nothing on stderr (its connection died)' : `: ${r.stderr.trim().split('\n')[0]}`}, and a new connection failed too: ${why}`,
          {
            hint: 'The host stopped answering (link cut, host down, sshd gone): check it is up and reachable (`lab status`, ping, ssh by hand), then run the command again.',
          },
        );
    }
    return r;
  }

  /** Why a fresh connection (no master, ConnectTimeout) fails to run `true`, or undefined when it works. */
  private async unreachableWhy(): Promise<string | undefined> {
    const r = await this.runner(sshExecArgv(this.host, ['true'], { shareConnection: false }), {
      timeoutMs: CONFIRM_TIMEOUT_MS,
      env: this.env,
    });
    if (r.timedOut) return `no answer within ${CONFIRM_TIMEOUT_MS} ms`;
    if (r.code === 0) return undefined;
    return r.stderr.trim().split('\n')[0] || `ssh exited ${r.code}`;
  }
}

/** A Remote for the host; pass the CLI's io.env so ssh finds the user's agent and ~/.ssh. */
export function connect(host: RemoteHost, callerEnv?: Record<string, string | undefined>): Remote {
  return new SshRemote(host, sshEnv(callerEnv));
}
