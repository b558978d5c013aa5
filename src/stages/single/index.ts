import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLI_ENTRY } from '../../paths.js';
import { assertPortFree, freePort } from '../free-port.js';
import type { RunningStage, StageDefinition, StageOptions } from '../stage.js';
import { describe, startService } from '../supervisor.js';

/** The argv of one app process; stages nginx and memcached build theirs the same way. */
export function appServerArgs(o: {
  port: number;
  dbPath: string;
  sessions?: string;
  redisUrl?: string;
}): string[] {
  const args = [
    CLI_ENTRY,
    'app-server',
    '--port',
    String(o.port),
    '--host',
    '127.0.0.1',
    '--db',
    resolve(o.dbPath),
  ];
  args.push('--sessions', o.sessions ?? 'db');
  if (o.redisUrl !== undefined) args.push('--redis', o.redisUrl);
  return args;
}

/**
 * Stage 0.2 of the talk ("A slice of CherryPy"): one long-running app process that does all its
 * initialisation up front, sessions in the database. One process uses one core of two — the
 * talk's GIL point, here Node's single event loop.
 */
export const stage: StageDefinition = {
  name: 'single',
  talkVersion: '0.2',
  title: 'One long-running app process',
  summary: 'One Node process serves pages and static files itself; sessions are fetched from the database.',
  prerequisites: () => [],
  async start(opts: StageOptions): Promise<RunningStage> {
    const port = opts.port ? opts.port : await freePort();
    if (opts.port) await assertPortFree(port);
    const runDir = opts.runDir ?? mkdtempSync(join(tmpdir(), 'fk-single-'));
    mkdirSync(runDir, { recursive: true });
    opts.log?.(`single: starting one app process on 127.0.0.1:${port}`);
    const app = await startService({
      role: 'app-1',
      command: process.execPath,
      args: appServerArgs({ port, dbPath: opts.dbPath, sessions: opts.sessions, redisUrl: opts.redisUrl }),
      logFile: join(runDir, 'app-1.log'),
      readyPort: port,
    });
    return {
      name: 'single',
      url: `http://127.0.0.1:${port}`,
      runDir,
      processes: () => describe([app]),
      stop: () => app.stop(),
    };
  },
};
