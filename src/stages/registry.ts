import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assertPrerequisites } from '../daemons/prereq.js';
import { FkError } from '../errors.js';
import type { OpenTarget } from '../store/db-target.js';
import { stage as cgi } from './cgi/index.js';
import { stage as cluster } from './cluster/index.js';
import { stage as fleet } from './fleet/index.js';
import { stage as memcached } from './memcached/index.js';
import { stage as nginx } from './nginx/index.js';
import { stage as nginxStatic } from './nginx-static/index.js';
import { stage as proxyCache } from './proxy-cache/index.js';
import { stage as single } from './single/index.js';
import type { RunningStage, StageDefinition, StageOptions, StageVariant } from './stage.js';

/**
 * Every stage, in the talk's order: 0.1 → 0.4, then its "other options". Adding a stage is one
 * folder plus one line here; the CLI's lists, the ladder's runs, baselines and talk figures, and
 * the error hints all come from this array.
 */
export const STAGES = [cgi, single, nginx, memcached, cluster, nginxStatic, proxyCache, fleet] as const;

export type StageName = (typeof STAGES)[number]['name'];
export const STAGE_NAMES: readonly StageName[] = STAGES.map((s) => s.name);

export function isStageName(name: string): name is StageName {
  return (STAGE_NAMES as readonly string[]).includes(name);
}

/** One ladder run: a stage as defined, or one of its variants (the talk's dropped index). */
export interface LadderRun {
  id: string;
  stage: StageName;
  label: string;
  variant?: StageVariant['kind'];
  baseline?: string;
  talkRequestsPerS?: number;
}

/** Stage fleet says `ladder: false`: it needs hosts, which the ladder does not make (yet). */
function laddered(s: StageDefinition): boolean {
  return s.ladder !== false;
}

/** Every run the ladder knows, in the order the full ladder runs them: the stages, then the variants. */
export const LADDER_RUNS: readonly LadderRun[] = [
  ...STAGES.filter((s) => laddered(s)).map((s) => ({
    id: s.name,
    stage: s.name,
    label: s.name,
    ...(s.baseline === undefined ? {} : { baseline: s.baseline }),
    ...(s.talk?.requestsPerS === undefined ? {} : { talkRequestsPerS: s.talk.requestsPerS }),
  })),
  ...STAGES.filter((s) => laddered(s)).flatMap((s) =>
    (s.variants ?? []).map((v) => ({
      id: v.id,
      stage: s.name,
      label: v.label,
      variant: v.kind,
      baseline: v.baseline,
      ...(v.talk?.requestsPerS === undefined ? {} : { talkRequestsPerS: v.talk.requestsPerS }),
    })),
  ),
];

export function unknownStage(name: string, where = ''): FkError {
  return new FkError('E_STAGE_UNKNOWN', `unknown stage '${name}'${where}`, {
    hint: `Known stages: ${STAGE_NAMES.join(', ')}.`,
  });
}

/** A stage whose start() checks, for all stages alike, what every one needs (see checked()). */
export type CheckedStage = Omit<StageDefinition, 'start'> & {
  start(opts: StageOptions): Promise<RunningStage>;
};

export async function loadStage(name: string): Promise<CheckedStage> {
  const def = STAGES.find((s) => s.name === name);
  if (def === undefined) throw unknownStage(name);
  return checked(def);
}

/**
 * What every stage needs before a single process starts, in one place: its database (E_DB_MISSING),
 * every daemon it runs (E_PREREQ_MISSING, naming the packages), and a run directory.
 * Configs, pid files and logs live in a per-run dir (never /etc). When the caller gives no run dir,
 * the stage gets a fresh one that a clean stop() removes, so `serve` leaves nothing behind; a
 * failed start keeps it when it holds logs, because the error names the log inside it.
 */
function checked(def: StageDefinition): CheckedStage {
  return {
    ...def,
    start: async (opts) => {
      // A server's database is checked by whoever connected to it (seeded, connection budget).
      const db: OpenTarget =
        opts.db.kind === 'sqlite' ? { kind: 'sqlite', path: resolve(opts.db.path) } : opts.db;
      if (db.kind === 'sqlite' && def.database !== 'own' && !existsSync(db.path))
        throw new FkError('E_DB_MISSING', `no database at ${db.path}`);
      assertPrerequisites(`stage ${def.name}`, def.prerequisites(opts));
      if (opts.runDir !== undefined) {
        mkdirSync(opts.runDir, { recursive: true });
        return def.start({ ...opts, db, runDir: opts.runDir });
      }
      const dir = mkdtempSync(join(tmpdir(), `fk-${def.name}-`));
      let running: RunningStage;
      try {
        running = await def.start({ ...opts, db, runDir: dir });
      } catch (e) {
        // Refused before anything ran (port in use): no log to point at.
        if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
        throw e;
      }
      let stopped: Promise<void> | undefined;
      return {
        ...running,
        stop: () => {
          stopped ??= running.stop().then(() => rmSync(dir, { recursive: true, force: true }));
          return stopped;
        },
      };
    },
  };
}
