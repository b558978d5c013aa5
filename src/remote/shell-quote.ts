/**
 * OpenSSH sends a remote command as ONE string that the remote user's login shell parses
 * (ssh(1): "command is executed on the remote host instead of a login shell"; the words are
 * joined with spaces). So an argv must be quoted for a POSIX shell, once, here.
 *
 * Single quotes are the one POSIX quoting with no special characters inside (XCU 2.2.2): `$`,
 * backquotes, backslashes, newlines and any UTF-8 byte pass literally; a single quote itself is
 * written as '\'' (close, escaped quote, reopen). Words made only of safe characters stay bare
 * so logs of remote commands remain readable.
 */
// `=` is not safe: a bare first word `A=b` would be a variable assignment, not the command.
const SAFE = /^[A-Za-z0-9_./:@%+,-]+$/;

export function quoteArg(arg: string): string {
  if (arg === '') return "''";
  if (SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The argv as one command line for `sh -c` / the login shell on the far side of ssh. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
