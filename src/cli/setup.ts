import { spawn, spawnSync } from 'node:child_process';
import { FkError } from '../errors.js';
import { ensurePrerequisites, isPresent } from '../setup/ensure.js';
import type { MachineFacts, Runner } from '../setup/install.js';
import { PURPOSES, type Purpose, prerequisitesFor } from '../setup/needs.js';
import { parse } from './args.js';
import type { Command, Io } from './io.js';

const USAGE = `flickr-killr setup [--check] [--for ${PURPOSES.join(',')}] [--no-install]

Installs the Debian packages the project needs and this machine lacks (as root, or with
passwordless sudo; one line per package with its time), or prints the one command to run.
npm start runs it for the ladder, npm test for the tests, .ci/run for everything.

  --for LIST     what for (default ladder): ladder (nginx, memcached, redis-server, lighttpd),
                 postgres (postgresql), lab (iproute2, openssh-server/-client, supervisor, rsync),
                 tests (all of them, and chromium)
  --check        install nothing: list each package as present or missing
  --no-install   print the command instead of installing (also FK_NO_INSTALL=1)

Exit status: 0 when everything needed is present at the end, 1 when something is still missing
(--check: 1 when anything is missing), 2 bad options.`;

export function purposesOption(value: string | undefined): Purpose[] {
  if (value === undefined) return ['ladder'];
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((p) => !(PURPOSES as readonly string[]).includes(p));
  if (bad.length > 0 || list.length === 0)
    throw new FkError('E_USAGE', `--for takes ${PURPOSES.join(', ')} (comma-separated), got '${value}'`);
  return list as Purpose[];
}

/** What the machine allows, asked once: root, passwordless sudo, apt-get. */
export function machineFacts(io: Io, noInstall: boolean): MachineFacts {
  const isRoot = process.getuid?.() === 0;
  const has = (argv: string[]) =>
    spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 5000 }).status === 0;
  return {
    isRoot,
    sudo: !isRoot && has(['sudo', '-n', 'true']),
    aptGet: has(['sh', '-c', 'command -v apt-get']),
    noInstall: noInstall || io.env.FK_NO_INSTALL === '1',
  };
}

/** Runs a command with output captured (apt-get's progress is not for the terminal: one line a package). */
export const realRunner: Runner = (argv, env) =>
  new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const add = (c: Buffer) => {
      output = (output + c.toString('utf8')).slice(-8000);
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    child.once('error', (e) => resolve({ code: 127, output: e.message }));
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    check: { type: 'boolean' },
    for: { type: 'string' },
    'no-install': { type: 'boolean' },
  });
  const purposes = purposesOption(values.for);
  if (values.check === true) {
    const needed = prerequisitesFor(purposes);
    for (const p of needed)
      io.stdout(`${isPresent(p) ? 'present' : 'missing'}  ${p.debianPackage} (${p.binary})\n`);
    return needed.every(isPresent) ? 0 : 1;
  }
  const result = await ensurePrerequisites(
    purposes,
    machineFacts(io, values['no-install'] === true),
    realRunner,
    (l) => io.stderr(`${l}\n`),
  );
  if (result.missing.length === 0) io.stderr(`setup: everything ${purposes.join(', ')} needs is installed\n`);
  return result.missing.length === 0 ? 0 : 1;
}

export const command: Command = {
  usage: USAGE,
  run,
};
