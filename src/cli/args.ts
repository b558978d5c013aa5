import { FkError } from '../errors.js';
import { DEFAULT_LAB_NAME } from '../lab/naming.js';
import { SESSION_BACKENDS, type SessionBackend } from '../server/app-process-spec.js';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/**
 * Parses argv with node:util's parseArgs semantics but throws E_USAGE (never exits), so that every
 * command reports bad options the same way and stays testable in-process.
 */
import { parseArgs } from 'node:util';

// Generic (const O) so that each command's `values` are typed from its own option table.
export function parse<const O extends OptionSpec>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new FkError('E_USAGE', (e as Error).message);
  }
}

export function intOption(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new FkError('E_USAGE', `--${name} must be a whole number, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max)
    throw new FkError('E_USAGE', `--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** --sessions: where an app process keeps sessions. */
export function sessionsOption(value: string | undefined): SessionBackend | undefined {
  if (value === undefined || (SESSION_BACKENDS as readonly string[]).includes(value))
    return value as SessionBackend | undefined;
  throw new FkError('E_USAGE', `--sessions must be ${SESSION_BACKENDS.join(', ')}, got '${value}'`);
}

/** '30s', '500ms', '2m' or a bare number of seconds → milliseconds. */
export function durationOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new FkError('E_USAGE', `--${name} takes a duration like 30s, 500ms or 2m, got '${value}'`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(unit === 'ms' ? n : unit === 'm' ? n * 60_000 : n * 1000);
}

/**
 * Every problem of a command line at once (the style guide: validated once, all problems
 * together): `checked(f)` runs one option's parser and keeps its message instead of throwing;
 * `throwIfAny()` ends the validation with one E_USAGE listing them all.
 */
export function problemList() {
  const problems: string[] = [];
  return {
    problems,
    checked<T>(f: () => T): T | undefined {
      try {
        return f();
      } catch (e) {
        problems.push((e as Error).message);
        return undefined;
      }
    },
    throwIfAny(): void {
      if (problems.length > 0) throw new FkError('E_USAGE', problems.join('; '));
    },
  };
}

/** `--lab` takes an optional NAME: alone (or before another option) it means the default lab. */
export function withLabDefault(args: string[]): string[] {
  return args.flatMap((a, i) =>
    a === '--lab' && (i + 1 >= args.length || args[i + 1]!.startsWith('-'))
      ? [`--lab=${DEFAULT_LAB_NAME}`]
      : [a],
  );
}
