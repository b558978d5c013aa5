import { join } from 'node:path';
import { FkError } from '../errors.js';
import { DEFAULT_DB_PATH } from '../paths.js';
import { isStageName, STAGE_ORDER } from '../stages/index.js';
import type { StageName } from '../stages/stage.js';
import { DEFAULT_USERS } from '../store/seed.js';

/** One benchmark run of the ladder: a stage, possibly in a variant (the talk's dropped index). */
export interface PlannedRun {
  id: string;
  stage: StageName;
  variant?: 'no-index';
  label: string;
  /**
   * The run this one is compared with: the talk's previous version for 0.1 → 0.4, and for the
   * "other options" the version they are an alternative to (the talk offers them as such).
   */
  baseline?: string;
}

const NO_INDEX = 'memcached-noindex';

const BASELINES: Record<string, string> = {
  single: 'cgi',
  nginx: 'single',
  memcached: 'nginx',
  // 0.3's "other options": a multiprocess server instead of nginx + N processes.
  cluster: 'nginx',
  // 0.4's "other options": the front server reads static files from disk, or a web cache in front.
  'nginx-static': 'memcached',
  'proxy-cache': 'memcached',
  [NO_INDEX]: 'memcached',
};

/** Every run id `--stages` accepts, in the order the full ladder runs them. */
export const ALL_RUN_IDS: string[] = [...STAGE_ORDER, NO_INDEX];

export function planRuns(ids: string[] = ALL_RUN_IDS): PlannedRun[] {
  const seen = new Set<string>();
  const runs: PlannedRun[] = [];
  for (const raw of ids) {
    const id = raw.trim();
    if (id === '' || seen.has(id)) continue;
    seen.add(id);
    if (id === NO_INDEX) {
      runs.push({
        id,
        stage: 'memcached',
        variant: 'no-index',
        label: 'memcached, no index',
        baseline: 'memcached',
      });
    } else if (isStageName(id)) {
      runs.push({ id, stage: id, label: id, baseline: BASELINES[id] });
    } else {
      throw new FkError('E_STAGE_UNKNOWN', `unknown stage '${id}' in --stages`, {
        hint: `Known stages: ${ALL_RUN_IDS.join(', ')}.`,
      });
    }
  }
  if (runs.length === 0) throw new FkError('E_USAGE', '--stages names no stage');
  // Keep the talk's order whatever order the user typed: the table reads as a ladder.
  return runs.sort((a, b) => ALL_RUN_IDS.indexOf(a.id) - ALL_RUN_IDS.indexOf(b.id));
}

export interface LadderSettings {
  dbPath: string;
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
export function defaultSettings(quick: boolean, cwd: string): LadderSettings {
  return quick
    ? {
        dbPath: join(cwd, 'data', 'quick.db'),
        seedUsers: 500,
        connections: 8,
        // 3 s, not less: CGI pages take ~0.5 s each under this load, and the logins come first.
        durationMs: 3000,
        warmupMs: 1000,
        timeoutMs: 30_000,
      }
    : {
        dbPath: join(cwd, DEFAULT_DB_PATH),
        seedUsers: DEFAULT_USERS,
        connections: 16,
        durationMs: 20_000,
        warmupMs: 3000,
        timeoutMs: 30_000,
      };
}
