import { FkError } from '../errors.js';
import { indexToggle, withTarget } from '../store/database.js';
import { parseDbTarget } from '../store/db-target.js';
import { parse } from './args.js';
import type { Command, Io } from './io.js';

const USAGE = `flickr-killr index drop|create|status [--db PATH|URL|postgres]

The talk's missing-index demo: without photos.user_id every user page scans all photos.
Works on SQLite and PostgreSQL (--db as for seed; DATABASE_URL when --db is absent); status
shows the engine's plan for the page query (SQLite: SEARCH … USING INDEX / SCAN photos;
PostgreSQL: Index Scan using photos_user_id / Seq Scan on photos).`;

async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { db: { type: 'string' } }, true);
  const [action, ...extra] = positionals;
  if (extra.length > 0 || (action !== 'drop' && action !== 'create' && action !== 'status')) {
    throw new FkError('E_USAGE', 'index takes one action: drop, create or status');
  }
  const target = parseDbTarget(values.db, { env: io.env, cwd: io.cwd });
  await withTarget(
    target,
    (line) => io.stderr(`${line}\n`),
    async (t) => {
      const index = indexToggle(t);
      if (action === 'drop') await index.drop();
      if (action === 'create') await index.create();
      const present = await index.exists();
      io.stdout(`photos.user_id index: ${present ? 'present' : 'absent'} (plan: ${await index.plan()})\n`);
    },
  );
  return 0;
}

export const command: Command = {
  usage: USAGE,
  run,
};
