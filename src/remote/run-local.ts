import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { findBinary } from '../daemons/prereq.js';

/**
 * The execution layer: runs one argv on this machine, collects its output, bounded in time.
 * Every lab and ssh command goes through here; everything that builds them is pure.
 */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the timeout stopped it (SIGKILL). */
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** Daemons and ip(8) live in sbin, which a non-root PATH often lacks; a clean, fixed PATH for children. */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function runLocal(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const [cmd, ...args] = argv;
  const bin = findBinary(cmd!, SYSTEM_PATH) ?? cmd!;
  return new Promise((resolve) => {
    const child = spawn(bin, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? { PATH: SYSTEM_PATH, LANG: 'C.UTF-8' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {
      // the command exited without reading its input: its exit code says what happened
    });
    const done = (code: number, extraErr = '') => {
      if (timer) clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + extraErr,
        timedOut,
        ms: performance.now() - started,
      });
    };
    child.on('error', (e: NodeJS.ErrnoException) =>
      done(e.code === 'ENOENT' ? 127 : 126, `${cmd}: ${e.message}\n`),
    );
    child.on('close', (code, signal) => done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
    child.stdin.end(opts.input ?? '');
  });
}
