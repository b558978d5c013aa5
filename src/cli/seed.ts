import { resolve } from 'node:path';
import { writeStaticRoot } from '../assets/static-site.js';
import { DEFAULT_DB_PATH, SITE_ASSETS_DIR, staticRootFor } from '../paths.js';
import { DEFAULT_SEED, DEFAULT_USERS, seedDatabase } from '../store/seed.js';
import { intOption, parse } from './args.js';
import type { Command, Io } from './io.js';

const USAGE = `flickr-killr seed [--db PATH] [--users N] [--seed S] [--force]

Creates the demo database (default ${DEFAULT_DB_PATH}): N users (default 100000) with 10–20
photos each, deterministic for a given --seed (default 1), plus 1,000 thumbnails and the site's
CSS/JS/logo in the static directory next to it. An existing database is kept unless --force.`;

function progressBar(io: Io): (fraction: number, phase: string) => void {
  if (!io.isTTY) return () => {};
  return (fraction, phase) => {
    const width = 30;
    const filled = Math.round(fraction * width);
    io.stderr(
      `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.round(fraction * 100)}% ${phase}   `,
    );
    if (phase === 'index') io.stderr('\n');
  };
}

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    db: { type: 'string' },
    users: { type: 'string' },
    seed: { type: 'string' },
    force: { type: 'boolean' },
  });
  const dbPath = resolve(io.cwd, values.db ?? DEFAULT_DB_PATH);
  const users = intOption(values.users, 'users', 1, 10_000_000) ?? DEFAULT_USERS;
  const seed = intOption(values.seed, 'seed', 0, 2 ** 32 - 1) ?? DEFAULT_SEED;
  const r = seedDatabase({ dbPath, users, seed, force: values.force === true, onProgress: progressBar(io) });
  const t0 = performance.now();
  const root = staticRootFor(dbPath);
  const files = writeStaticRoot(root, SITE_ASSETS_DIR);
  const staticMs = performance.now() - t0;
  io.stdout(
    `seeded ${dbPath}: ${r.users} users, ${r.photos} photos in ${(r.ms / 1000).toFixed(2)} s; ` +
      `static ${root}: ${files.written} written, ${files.kept} unchanged in ${(staticMs / 1000).toFixed(2)} s\n`,
  );
  return 0;
}

export const command: Command = {
  usage: USAGE,
  run,
};
