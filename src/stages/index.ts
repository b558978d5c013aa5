import { FkError } from '../errors.js';
import type { StageDefinition, StageName } from './stage.js';

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
const loaders: Record<StageName, () => Promise<StageDefinition>> = {
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
  return loaders[name]();
}
