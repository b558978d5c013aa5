import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DiskSource } from '../assets/disk-source.js';
import { FkError } from '../errors.js';
import { distPath, staticRootFor } from '../paths.js';
import { isDatabaseUrl } from '../server/app-process-spec.js';
import { createCgiGateway } from '../server/cgi/gateway.js';
import { durationOption, intOption, parse } from './args.js';
import { type Command, untilAborted } from './io.js';

const USAGE = `Usage: flickr-killr cgi-gateway --db PATH|URL [--static DIR] [--port P] [--host 127.0.0.1] [--max-children N] [--timeout 30s]

(internal) The built-in CGI/1.1 host of stage cgi, used when lighttpd is not installed: serves
/static/ from the static root next to the database and runs dist/cli/cgi-script.js once per
request (the talk's 0.1). Prints "listening http://HOST:PORT" when ready; stops on Ctrl-C.`;

export const command: Command = {
  usage: USAGE,
  run: async (args, io) => {
    const { values } = parse(args, {
      db: { type: 'string' },
      static: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'max-children': { type: 'string' },
      timeout: { type: 'string' },
    });
    if (values.db === undefined) throw new FkError('E_USAGE', 'cgi-gateway needs --db PATH|URL');
    const isUrl = isDatabaseUrl(values.db);
    const db = isUrl ? values.db : resolve(io.cwd, values.db);
    if (!isUrl && !existsSync(db)) throw new FkError('E_DB_MISSING', `no database at ${db}`);
    if (isUrl && values.static === undefined)
      throw new FkError('E_USAGE', 'cgi-gateway --db URL needs --static DIR');
    const staticRoot = values.static === undefined ? staticRootFor(db) : resolve(io.cwd, values.static);
    const scriptPath = distPath('cli', 'cgi-script.js');
    if (!existsSync(scriptPath)) {
      throw new FkError(
        'E_INTERNAL',
        `the compiled CGI script is missing (${scriptPath}): run npm run build`,
      );
    }
    const port = intOption(values.port, 'port', 0, 65535) ?? 0;
    const assets = new DiskSource(staticRoot);
    const gateway = createCgiGateway({
      scriptPath,
      scriptEnv: isUrl ? { FK_DB: db, FK_STATIC: staticRoot } : { FK_DB: db },
      assets,
      maxChildren: intOption(values['max-children'], 'max-children', 1, 1024),
      timeoutMs: durationOption(values.timeout, 'timeout'),
      log: (line) => io.stderr(`${line}\n`),
    });
    let url: string;
    try {
      url = await gateway.listen(port, values.host ?? '127.0.0.1');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new FkError('E_PORT_IN_USE', `port ${port} is already in use`);
      }
      throw e;
    }
    io.stdout(`listening ${url}\n`);
    await untilAborted(io.signal);
    await gateway.close();
    await assets.close();
    return 0;
  },
};
