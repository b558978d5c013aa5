import type { Io } from '../../src/cli/io.js';

export type FakeIo = Io & { out: string[]; err: string[]; abort(reason?: string): void };

/** The Io a command gets in-process: captured output, a chosen cwd/env/TTY, and Ctrl-C on demand. */
export function fakeIo(opts: { env?: Record<string, string>; cwd?: string; isTTY?: boolean } = {}): FakeIo {
  const ac = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    isTTY: opts.isTTY ?? false,
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    signal: ac.signal,
    abort: (reason = 'SIGTERM') => ac.abort(new Error(reason)),
  };
}
