import { join } from 'node:path';
import { appServerArgs } from '../app-pool.js';
import { assertFrontPortFree, startOnPort } from '../free-port.js';
import type { RunningStage, StageModule, StartOptions } from '../stage.js';
import { describe, startService } from '../supervisor.js';

/**
 * Stage 0.2 of the talk ("A slice of CherryPy"): one long-running app process that does all its
 * initialisation up front, sessions in the database. One process uses one core of two — the
 * talk's GIL point, here Node's single event loop.
 */
export const stage: StageModule = {
  name: 'single',
  talkVersion: '0.2',
  title: 'One long-running app process',
  summary: 'One Node process serves pages and static files itself; sessions are fetched from the database.',
  prerequisites: () => [],
  async start(opts: StartOptions): Promise<RunningStage> {
    await assertFrontPortFree(opts);
    const { port, started: app } = await startOnPort(opts.port, (port) => {
      opts.log?.(`single: starting one app process on 127.0.0.1:${port}`);
      return startService({
        role: 'app-1',
        command: process.execPath,
        args: appServerArgs(
          { dbPath: opts.dbPath, sessions: opts.sessions ?? 'db', redisUrl: opts.redisUrl },
          port,
        ),
        logFile: join(opts.runDir, 'app-1.log'),
        readyPort: port,
      });
    });
    return {
      name: 'single',
      url: `http://127.0.0.1:${port}`,
      runDir: opts.runDir,
      processes: () => describe([app]),
      stop: () => app.stop(),
    };
  },
};
