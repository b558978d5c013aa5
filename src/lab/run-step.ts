import { FkError } from '../errors.js';
import { type RunOptions, type RunResult, runLocal } from '../remote/run-local.js';
import type { Argv } from './net-argv.js';

/** One step of lab up/down: it must succeed, or the error names the command and its output. */
export async function mustRun(argv: Argv, what: string, opts: RunOptions = {}): Promise<RunResult> {
  const r = await runLocal(argv, { timeoutMs: 15_000, ...opts });
  if (r.code !== 0) {
    const output = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
    const how = r.timedOut ? 'timed out' : `exited ${r.code}`;
    // Scripts (multi-line arguments) are shown as <script>: the message stays one readable line.
    const shown = argv.map((a) => (a.includes('\n') || a.length > 120 ? '<script>' : a)).join(' ');
    throw new FkError('E_LAB_STEP_FAILED', `${what}: \`${shown}\` ${how}${output ? `: ${output}` : ''}`);
  }
  return r;
}

export async function mustRunAll(cmds: Argv[], what: string): Promise<void> {
  for (const argv of cmds) await mustRun(argv, what);
}
