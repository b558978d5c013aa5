import { join } from 'node:path';
import { FkError } from '../errors.js';
import { DEFAULT_DB_PATH } from '../paths.js';
import { LADDER_RUNS, type LadderRun } from '../stages/registry.js';
import type { DbTarget } from '../store/db-target.js';
import { DEFAULT_USERS } from '../store/seed.js';

/** Every run id `--stages` accepts, in the order the full ladder runs them. */
export const ALL_RUN_IDS: string[] = LADDER_RUNS.map((r) => r.id);

/** The runs named by `--stages` (all by default), in the talk's order whatever order they were typed in. */
export function planRuns(ids: string[] = ALL_RUN_IDS): LadderRun[] {
  const wanted = new Set<string>();
  for (const raw of ids) {
    const id = raw.trim();
    if (id === '') continue;
    if (!ALL_RUN_IDS.includes(id)) {
      throw new FkError('E_STAGE_UNKNOWN', `unknown stage '${id}' in --stages`, {
        hint: `Known stages: ${ALL_RUN_IDS.join(', ')}.`,
      });
    }
    wanted.add(id);
  }
  if (wanted.size === 0) throw new FkError('E_USAGE', '--stages names no stage');
  // The table reads as a ladder.
  return LADDER_RUNS.filter((r) => wanted.has(r.id));
}

export interface LadderSettings {
  /** The database of every stage: a SQLite file, a server by URL, or the project's own cluster. */
  db: DbTarget;
  /** Users to seed when the database is absent. */
  seedUsers: number;
  connections: number;
  durationMs: number;
  warmupMs: number;
  /** Per-request timeout: generous, the CGI stage answers in ~0.5 s under this load. */
  timeoutMs: number;
}

/**
 * Budgets. Full: 8 runs × (start ≈ 1–2 s + smoke + 3 s warm-up + 20 s) ≈ 3.5 min plus the seed,
 * inside the 5-minute budget on 2 cores. The same virtual users for every stage, CGI included
 * (the talk ran one benchmarker against every version). Quick: 500 users in its own database.
 */
/** `--db postgres` of a quick run keeps its own cluster: its 500 users must not replace the full set. */
export const QUICK_PG_DATA_DIR = join('data', 'pg-quick');

export function defaultSettings(quick: boolean, cwd: string): LadderSettings {
  return quick
    ? {
        db: { kind: 'sqlite', path: join(cwd, 'data', 'quick.db') },
        seedUsers: 500,
        connections: 8,
        // 3 s, not less: CGI pages take ~0.5 s each under this load, and the logins come first.
        durationMs: 3000,
        warmupMs: 1000,
        timeoutMs: 30_000,
      }
    : {
        db: { kind: 'sqlite', path: join(cwd, DEFAULT_DB_PATH) },
        seedUsers: DEFAULT_USERS,
        connections: 16,
        durationMs: 20_000,
        warmupMs: 3000,
        timeoutMs: 30_000,
      };
}
