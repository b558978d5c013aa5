import { resolve } from 'node:path';
import { FkError } from '../errors.js';
import { DEFAULT_DB_PATH } from '../paths.js';
import {
  createUserIdIndex,
  dropUserIdIndex,
  userIdIndexExists,
  userPageQueryPlan,
} from '../store/sqlite-index.js';
import { parse } from './args.js';
import type { Command, Io } from './io.js';

const USAGE = `flickr-killr index drop|create|status [--db PATH]

The talk's missing-index demo: without photos.user_id every user page scans all photos.`;

async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { db: { type: 'string' } }, true);
  const dbPath = resolve(io.cwd, values.db ?? DEFAULT_DB_PATH);
  const [action, ...extra] = positionals;
  if (extra.length > 0 || (action !== 'drop' && action !== 'create' && action !== 'status')) {
    throw new FkError('E_USAGE', 'index takes one action: drop, create or status');
  }
  if (action === 'drop') dropUserIdIndex(dbPath);
  if (action === 'create') createUserIdIndex(dbPath);
  const present = userIdIndexExists(dbPath);
  io.stdout(`photos.user_id index: ${present ? 'present' : 'absent'} (plan: ${userPageQueryPlan(dbPath)})\n`);
  return 0;
}

export const command: Command = {
  usage: USAGE,
  run,
};
