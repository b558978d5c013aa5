import type { Command, Io } from './io.js';
import { runLadderCommand } from './ladder.js';

const USAGE = `flickr-killr start [ladder options]

The main job (npm start): seed the default data if it is absent (100,000 users, ~1.5 M photos,
data/flickr-killr.db; reused otherwise), then run the whole ladder — every stage of the talk and
its other options, then memcached without the photos.user_id index — print the table and the path
of the HTML report. Takes every option of \`flickr-killr ladder\` (--quick, --stages, --duration, --out ...;
see its --help). About 5 minutes on 2 cores.`;

async function run(args: string[], io: Io): Promise<number> {
  io.stderr('flickr-killr: reproducing "Scaling Python for High-Load Web Sites" (PyCon 2007)\n');
  return runLadderCommand(args, io);
}

export const command: Command = {
  usage: USAGE,
  run,
};
