import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { assertFrontPortFree, startOnPort } from '../../daemons/free-port.js';
import { findBinary, type Prerequisite, requireBinary } from '../../daemons/prereq.js';
import { describe, startService } from '../../daemons/supervisor.js';
import { FkError } from '../../errors.js';
import { CLI_ENTRY, distPath } from '../../paths.js';
import {
  dbArgument,
  defineStage,
  type RunningStage,
  type StageOptions,
  type StartOptions,
  staticRootOf,
} from '../stage.js';
import { renderLighttpdConf } from './lighttpd-conf.js';

const LIGHTTPD: Prerequisite = { binary: 'lighttpd', debianPackage: 'lighttpd' };

/** lighttpd when asked for, or by default when installed (the talk ran CGI under a real web server). */
export function cgiHostFor(opts: StageOptions): 'lighttpd' | 'builtin' {
  return opts.cgiHost ?? (findBinary(LIGHTTPD.binary) !== undefined ? 'lighttpd' : 'builtin');
}

export const stage = defineStage({
  name: 'cgi',
  talk: { version: '0.1', requestsPerS: 23 }, // CGI: interpreter and DB connection per request
  // lighttpd (or the built-in gateway) serves /static from disk; only dynamic pages run the script.
  staticFrom: 'front',
  title: 'CGI strawman',
  summary:
    'A web server (lighttpd mod_cgi, or the built-in gateway) starts one node process per dynamic request; ' +
    'each opens the database and compiles the templates, answers, and exits. Static files from disk.',
  prerequisites: (opts) => (cgiHostFor(opts) === 'lighttpd' ? [LIGHTTPD] : []),
  dbClients: cgiConcurrency,
  start: startCgiStage,
});

/**
 * Scripts running at once, each with its own database connection (the talk's 0.1: "DB connection
 * per request"): the built-in gateway runs 2 per core and queues the rest; lighttpd runs one per
 * connection, so on a database server its connection limit is held to what the server can take.
 */
const GATEWAY_CHILDREN_PER_CORE = 2;
const LIGHTTPD_CONNECTIONS_ON_A_SERVER = 64;

function cgiConcurrency(opts: StageOptions): number {
  if (cgiHostFor(opts) === 'builtin') return GATEWAY_CHILDREN_PER_CORE * availableParallelism();
  return opts.db.kind === 'postgres' ? LIGHTTPD_CONNECTIONS_ON_A_SERVER : 256;
}

async function startCgiStage(opts: StartOptions): Promise<RunningStage> {
  const log = opts.log ?? (() => {});
  const { runDir } = opts;
  const db = dbArgument(opts.db);
  const staticRoot = staticRootOf(opts.db);
  const scriptPath = distPath('cli', 'cgi-script.js');
  if (!existsSync(scriptPath)) {
    throw new FkError('E_INTERNAL', `the compiled CGI script is missing (${scriptPath}): run npm run build`);
  }
  const host = cgiHostFor(opts);
  await assertFrontPortFree(opts);

  const { port, started: service } = await startOnPort(opts.port, (port) => {
    if (host === 'builtin') {
      log(`stage cgi: built-in CGI gateway on 127.0.0.1:${port}`);
      return startService({
        role: 'cgi-gateway',
        command: process.execPath,
        args: [CLI_ENTRY, 'cgi-gateway', '--port', String(port), '--db', db, '--static', staticRoot],
        logFile: join(runDir, 'cgi-gateway.log'),
        readyPort: port,
      });
    }
    mkdirSync(join(runDir, 'upload'), { recursive: true });
    const confPath = join(runDir, 'lighttpd.conf');
    writeFileSync(
      confPath,
      renderLighttpdConf({
        runDir,
        host: '127.0.0.1',
        port,
        scriptPath,
        nodePath: process.execPath,
        db,
        staticRoot,
        maxConnections: cgiConcurrency(opts),
      }),
    );
    log(`stage cgi: lighttpd + mod_cgi on 127.0.0.1:${port} (config ${confPath})`);
    // -D: foreground, so the Supervisor owns it; mod_cgi's children share its process group and
    // go with it on stop().
    return startService({
      role: 'lighttpd',
      command: requireBinary(LIGHTTPD),
      args: ['-D', '-f', confPath],
      logFile: join(runDir, 'lighttpd.log'),
      readyPort: port,
    });
  });
  return {
    name: 'cgi',
    url: `http://127.0.0.1:${port}`,
    processes: () => describe([service]),
    runDir,
    stop: () => service.stop(),
  };
}
