import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FkError } from '../../errors.js';
import { CLI_ENTRY, distPath, staticRootFor } from '../../paths.js';
import { assertPortFree, freePort } from '../free-port.js';
import { findBinary, requireBinary } from '../prereq.js';
import type { Prerequisite, RunningStage, StageDefinition, StageOptions } from '../stage.js';
import { describe, type Service, startService } from '../supervisor.js';
import { renderLighttpdConf } from './lighttpd-conf.js';

const LIGHTTPD: Prerequisite = { binary: 'lighttpd', debianPackage: 'lighttpd' };

/** lighttpd when asked for, or by default when installed (the talk ran CGI under a real web server). */
export function cgiHostFor(opts: StageOptions): 'lighttpd' | 'builtin' {
  return opts.cgiHost ?? (findBinary(LIGHTTPD.binary) !== undefined ? 'lighttpd' : 'builtin');
}

export const stage: StageDefinition = {
  name: 'cgi',
  talkVersion: '0.1',
  title: 'CGI strawman',
  summary:
    'A web server (lighttpd mod_cgi, or the built-in gateway) starts one node process per dynamic request; ' +
    'each opens the database and compiles the templates, answers, and exits. Static files from disk.',
  prerequisites: (opts) => (cgiHostFor(opts) === 'lighttpd' ? [LIGHTTPD] : []),
  start: startCgiStage,
};

async function startCgiStage(opts: StageOptions): Promise<RunningStage> {
  const log = opts.log ?? (() => {});
  const dbPath = resolve(opts.dbPath);
  if (!existsSync(dbPath)) throw new FkError('E_DB_MISSING', `no database at ${dbPath}`);
  const scriptPath = distPath('cli', 'cgi-script.js');
  if (!existsSync(scriptPath)) {
    throw new FkError('E_INTERNAL', `the compiled CGI script is missing (${scriptPath}): run npm run build`);
  }
  const host = cgiHostFor(opts);
  const runDir = opts.runDir ?? mkdtempSync(join(tmpdir(), 'fk-cgi-'));
  mkdirSync(runDir, { recursive: true });
  const port = opts.port ? opts.port : await freePort();
  if (opts.port) await assertPortFree(port);

  let service: Service;
  if (host === 'lighttpd') {
    const binary = requireBinary(LIGHTTPD);
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
        dbPath,
        staticRoot: staticRootFor(dbPath),
      }),
    );
    log(`stage cgi: lighttpd + mod_cgi on 127.0.0.1:${port} (config ${confPath})`);
    // -D: foreground, so the Supervisor owns it; mod_cgi's children share its process group and
    // go with it on stop().
    service = await startService({
      role: 'lighttpd',
      command: binary,
      args: ['-D', '-f', confPath],
      logFile: join(runDir, 'lighttpd.log'),
      readyPort: port,
    });
  } else {
    log(`stage cgi: built-in CGI gateway on 127.0.0.1:${port}`);
    service = await startService({
      role: 'cgi-gateway',
      command: process.execPath,
      args: [CLI_ENTRY, 'cgi-gateway', '--port', String(port), '--db', dbPath],
      logFile: join(runDir, 'cgi-gateway.log'),
      readyPort: port,
    });
  }
  return {
    name: 'cgi',
    url: `http://127.0.0.1:${port}`,
    processes: () => describe([service]),
    runDir,
    stop: () => service.stop(),
  };
}
