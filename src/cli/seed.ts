import { writeStaticRoot } from '../assets/static-site.js';
import { SITE_ASSETS_DIR } from '../paths.js';
import { seedTarget, withTarget } from '../store/database.js';
import { describeTarget, parseDbTarget, staticRootFor } from '../store/db-target.js';
import { DEFAULT_SEED, DEFAULT_USERS } from '../store/demo-data.js';
import { intOption, parse } from './args.js';
import type { Command, Io } from './io.js';

const USAGE = `flickr-killr seed [--db PATH|URL|postgres] [--users N] [--seed S] [--force]

Creates the demo data: N users (default 100000) with 10–20 photos each, deterministic for a
given --seed (default 1) and the same on every backend, plus 1,000 thumbnails and the site's
CSS/JS/logo in a static directory. --db is a SQLite file (default data/flickr-killr.db, static
files next to it), a postgres:// URL of a server you run (DATABASE_URL when --db is absent), or
postgres: the project's own PostgreSQL cluster in data/pg, started for the seed and stopped
after it (static files in data/static, as for a URL). An existing database is kept unless --force.`;

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
  const target = parseDbTarget(values.db, { env: io.env, cwd: io.cwd });
  const users = intOption(values.users, 'users', 1, 10_000_000) ?? DEFAULT_USERS;
  const seed = intOption(values.seed, 'seed', 0, 2 ** 32 - 1) ?? DEFAULT_SEED;
  const log = (line: string) => io.stderr(`${line}\n`);
  await withTarget(target, log, async (t) => {
    const r = await seedTarget(t, {
      users,
      seed,
      force: values.force === true,
      onProgress: progressBar(io),
      signal: io.signal,
    });
    const t0 = performance.now();
    const root = staticRootFor(t);
    const files = writeStaticRoot(root, SITE_ASSETS_DIR);
    const staticMs = performance.now() - t0;
    io.stdout(
      `seeded ${describeTarget(t)}: ${r.users} users, ${r.photos} photos in ${(r.ms / 1000).toFixed(2)} s; ` +
        `static ${root}: ${files.written} written, ${files.kept} unchanged in ${(staticMs / 1000).toFixed(2)} s\n`,
    );
  });
  return 0;
}

export const command: Command = {
  usage: USAGE,
  run,
};
