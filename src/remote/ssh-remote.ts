import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { findBinary } from '../daemons/prereq.js';
import { FkError } from '../errors.js';
import type { CopyResult, ExecOptions, ExecResult, Remote } from './remote.js';
import type { RemoteHost } from './remote-host.js';
import { type RunResult, runLocal, SYSTEM_PATH } from './run-local.js';
import { rsyncArgv, scpArgv, sshControlArgv, sshExecArgv } from './ssh-argv.js';

/**
 * Remote over OpenSSH. The first command opens the host's master connection (ControlMaster=auto),
 * every later one reuses it: one TCP connection and one key exchange per host.
 *
 * Exit codes: ssh exits with the remote command's status, or 255 for its own errors (ssh(1)).
 * A 255 whose stderr is ssh's own complaint becomes E_REMOTE_UNREACHABLE; any other code —
 * including a remote command's own 255 — is returned as it is.
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

export class SshRemote implements Remote {
  private method: Promise<CopyResult['method']> | undefined;

  constructor(
    readonly host: RemoteHost,
    private readonly env: Record<string, string> = sshEnv(),
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
    await runLocal(sshControlArgv(this.host, 'exit'), { timeoutMs: 5000, env: this.env });
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
    const r = await runLocal(argv, {
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
    return r;
  }
}

/** A Remote for the host; pass the CLI's io.env so ssh finds the user's agent and ~/.ssh. */
export function connect(host: RemoteHost, callerEnv?: Record<string, string | undefined>): Remote {
  return new SshRemote(host, sshEnv(callerEnv));
}
