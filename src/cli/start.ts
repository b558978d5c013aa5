import { ensurePrerequisites } from '../setup/ensure.js';
import type { Purpose } from '../setup/needs.js';
import type { Command, Io } from './io.js';
import { ladderArgsWantFleet, runLadderCommand } from './ladder.js';
import { machineFacts, realRunner } from './setup.js';

const USAGE = `flickr-killr start [--no-install] [--db PATH|URL|postgres] [ladder options]

The main job (npm start): install the Debian packages the ladder's servers come from when they
are missing and this machine allows it (root or passwordless sudo; --no-install or
FK_NO_INSTALL=1 to print the command instead; with --db postgres also postgresql), seed the default data if it is absent (100,000
users, ~1.5 M photos, data/flickr-killr.db; reused otherwise), then run the whole ladder — every
stage of the talk and its other options, then memcached without the photos.user_id index — print
the table and the path of the HTML report. Takes every option of \`flickr-killr ladder\` (--quick,
--stages, --duration, --out ...; see its --help). As root it ends with the fleet rung (stage
fleet on a lab of its own; its packages are installed too: openssh-server, supervisor, iproute2,
rsync, postgresql; --no-fleet skips it). About 5-6 minutes on 2 cores.`;

async function run(args: string[], io: Io): Promise<number> {
  io.stderr('flickr-killr: reproducing "Scaling Python for High-Load Web Sites" (PyCon 2007)\n');
  const noInstall = args.includes('--no-install');
  const rest = args.filter((a) => a !== '--no-install');
  // What cannot be installed is said once here; the ladder then skips those stages with the same command.
  // The project's own PostgreSQL needs its server package; a server the user runs does not.
  const onPostgres =
    rest.includes('--db=postgres') ||
    (rest.includes('--db') && rest[rest.indexOf('--db') + 1] === 'postgres');
  const purposes: Purpose[] = onPostgres ? ['ladder', 'postgres'] : ['ladder'];
  // The full ladder ends with the fleet rung when root (cli/ladder.ts): its lab needs sshd,
  // supervisor, iproute2, rsync and PostgreSQL on this machine.
  const fleetRung = process.getuid?.() === 0 && ladderArgsWantFleet(rest);
  if (fleetRung) purposes.push('lab');
  await ensurePrerequisites(purposes, machineFacts(io, noInstall), realRunner, (l) => io.stderr(`${l}\n`));
  if (io.signal.aborted) return 130;
  return runLadderCommand(rest, io);
}

export const command: Command = {
  usage: USAGE,
  run,
};
