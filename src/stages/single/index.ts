import { assertFrontPortFree, startOnPort } from '../../daemons/free-port.js';
import { describe } from '../../daemons/supervisor.js';
import { appProcessSpec } from '../../server/app-process-spec.js';
import { startAppProcess } from '../common/app-pool.js';
import { dbArgument, defineStage, staticRootOf } from '../stage.js';

/**
 * Stage 0.2 of the talk ("A slice of CherryPy"): one long-running app process that does all its
 * initialisation up front, sessions in the database. One process uses one core of two — the
 * talk's GIL point, here Node's single event loop.
 */
export const stage = defineStage({
  name: 'single',
  talk: { version: '0.2', requestsPerS: 139 }, // one CherryPy process; GIL: one core of two
  baseline: 'cgi',
  staticFrom: 'app',
  title: 'One long-running app process',
  summary: 'One Node process serves pages and static files itself; sessions are fetched from the database.',
  prerequisites: () => [],
  dbClients: () => 1,
  async start(opts) {
    await assertFrontPortFree(opts);
    const { port, started: app } = await startOnPort(opts.port, (port) => {
      opts.log?.(`single: starting one app process on 127.0.0.1:${port}`);
      const spec = appProcessSpec({
        port,
        db: dbArgument(opts.db),
        staticRoot: staticRootOf(opts.db),
        sessions: opts.sessions ?? 'db',
        ...(opts.redisUrl === undefined ? {} : { redisUrl: opts.redisUrl }),
        ...(opts.protect === undefined ? {} : { maxInFlight: opts.protect.maxInFlight }),
      });
      return startAppProcess(spec, 'app-1', opts.runDir);
    });
    return {
      name: 'single',
      url: `http://127.0.0.1:${port}`,
      runDir: opts.runDir,
      processes: () => describe([app]),
      stop: () => app.stop(),
    };
  },
});
