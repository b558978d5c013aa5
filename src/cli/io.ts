/**
 * All process state a command may touch goes through this object (k6 funnels it the same way),
 * so every command runs in-process in tests with a fake Io.
 */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal (progress bars, live lines). */
  isTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on Ctrl-C / SIGTERM: long-running commands stop, clean up, and return. */
  signal: AbortSignal;
}

/** A command's name and one-line summary live in commands.ts (the help table), not here. */
export type Command = {
  usage: string;
  run: (args: string[], io: Io) => Promise<number>;
};

/** Resolves when the command is asked to stop (Ctrl-C / SIGTERM): servers run until then. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
