import { FkError, isFkError } from '../errors.js';
import { VERSION } from '../version.js';
import { COMMANDS } from './commands.js';
import type { Io } from './io.js';

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'flickr-killr — the PyCon 2007 talk "Scaling Python for High-Load Web Sites", as a program',
    '',
    'Usage: flickr-killr <command> [options]   (flickr-killr <command> --help for its options)',
    '',
    'Commands:',
    ...lines,
    '',
  ].join('\n');
}

/** Runs one command; errors become one clear line with its code and hint, never a stack trace. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(helpText());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`flickr-killr ${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  try {
    if (!entry) throw new FkError('E_USAGE', `unknown command '${name}'`);
    const command = await entry.load();
    // Only before a `--`: what follows it is another program's argv (`lab exec HOST -- CMD --help`).
    const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (own.includes('--help') || own.includes('-h')) {
      io.stdout(`${command.usage}\n`);
      return 0;
    }
    return await command.run(rest, io);
  } catch (e) {
    io.stderr(formatError(e));
    // Whatever failed after a Ctrl-C failed because of it (a seed rolled back, a step cut short).
    if (io.signal.aborted) return 130;
    return isFkError(e) && e.code === 'E_USAGE' ? 2 : 1;
  }
}

export function formatError(e: unknown): string {
  if (isFkError(e)) return `flickr-killr: ${e.message} [${e.code}]\n  hint: ${e.hint}\n`;
  const msg = e instanceof Error ? e.message : String(e);
  return `flickr-killr: unexpected error: ${msg} [E_INTERNAL]\n  hint: set FK_DEBUG=1 for the stack trace.\n`;
}
