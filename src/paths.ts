import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root, found from this file: src/paths.ts (under tsx) and dist/paths.js (compiled)
 * both sit one level below it.
 */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Compiled entry points live in dist/ even when tests run the sources through tsx: stages spawn them. */
export function distPath(...parts: string[]): string {
  return join(PACKAGE_ROOT, 'dist', ...parts);
}

/** The CLI entry that stages spawn for app processes (`node dist/cli/main.js app-server ...`). */
export const CLI_ENTRY = distPath('cli', 'main.js');

/** Site assets shipped in the repo (CSS, JS, logo); seed copies them into the data's static root. */
export const SITE_ASSETS_DIR = join(PACKAGE_ROOT, 'static');

export const DEFAULT_DB_PATH = join('data', 'flickr-killr.db');

/** Static root belonging to a database: thumbnails are generated next to it by `seed`. */
export function staticRootFor(dbPath: string): string {
  return join(dirname(resolve(dbPath)), 'static');
}
