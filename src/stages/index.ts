import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FkError } from '../errors.js';
import { assertPrerequisites } from './prereq.js';
import type { RunningStage, StageDefinition, StageModule, StageName } from './stage.js';

/** The talk's order: 0.1 → 0.4, then its "other options". */
export const STAGE_ORDER: StageName[] = [
  'cgi',
  'single',
  'nginx',
  'memcached',
  'cluster',
  'nginx-static',
  'proxy-cache',
];

// Loaded lazily so that no command pays for every stage's imports.
const loaders: Record<StageName, () => Promise<StageModule>> = {
  cgi: async () => (await import('./cgi/index.js')).stage,
  single: async () => (await import('./single/index.js')).stage,
  nginx: async () => (await import('./nginx/index.js')).stage,
  memcached: async () => (await import('./memcached/index.js')).stage,
  cluster: async () => (await import('./cluster/index.js')).stage,
  'nginx-static': async () => (await import('./nginx-static/index.js')).stage,
  'proxy-cache': async () => (await import('./proxy-cache/index.js')).stage,
};

export function isStageName(name: string): name is StageName {
  return Object.hasOwn(loaders, name);
}

export async function loadStage(name: string): Promise<StageDefinition> {
  if (!isStageName(name)) throw new FkError('E_STAGE_UNKNOWN', `unknown stage '${name}'`);
  return checkedStage(await loaders[name]());
}

/**
 * What every stage needs before a single process starts, in one place: its database (E_DB_MISSING),
 * every daemon it runs (E_PREREQ_MISSING, naming the packages), and a run directory.
 * Configs, pid files and logs live in a per-run dir (never /etc). When the caller gives no run dir,
 * the stage gets a fresh one that a clean stop() removes, so `serve` leaves nothing behind; a
 * failed start keeps it when it holds logs, because the error names the log inside it.
 */
function checkedStage(mod: StageModule): StageDefinition {
  return {
    ...mod,
    start: async (opts) => {
      const dbPath = resolve(opts.dbPath);
      if (!existsSync(dbPath)) throw new FkError('E_DB_MISSING', `no database at ${dbPath}`);
      assertPrerequisites(`stage ${mod.name}`, mod.prerequisites(opts));
      if (opts.runDir !== undefined) {
        mkdirSync(opts.runDir, { recursive: true });
        return mod.start({ ...opts, dbPath, runDir: opts.runDir });
      }
      const dir = mkdtempSync(join(tmpdir(), `fk-${mod.name}-`));
      let running: RunningStage;
      try {
        running = await mod.start({ ...opts, dbPath, runDir: dir });
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
