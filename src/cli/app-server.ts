import { FkError } from '../errors.js';
import { openBackends } from '../server/backends.js';
import { composeApp } from '../server/compose.js';
import { listen } from '../server/node-http.js';
import { intOption, parse } from './args.js';
import { type Command, type Io, untilAborted } from './io.js';

const USAGE = `flickr-killr app-server --port P [--host 127.0.0.1] --db PATH [--sessions db|redis|memcached]
                        [--redis URL] [--memcached HOST:PORT] [--fill-memcached]

One app process (stages start it N times). Prints "listening http://HOST:PORT" when ready and
stops cleanly on SIGTERM.`;

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    db: { type: 'string' },
    sessions: { type: 'string' },
    redis: { type: 'string' },
    memcached: { type: 'string' },
    'fill-memcached': { type: 'boolean' },
  });
  const port = intOption(values.port, 'port', 0, 65535);
  if (port === undefined) throw new FkError('E_USAGE', 'app-server needs --port');
  if (values.db === undefined) throw new FkError('E_USAGE', 'app-server needs --db');
  const sessions = values.sessions ?? 'db';
  if (sessions !== 'db' && sessions !== 'redis' && sessions !== 'memcached') {
    throw new FkError('E_USAGE', `--sessions must be db, redis or memcached, got '${sessions}'`);
  }
  const onError = (e: unknown) =>
    io.stderr(`app-server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  const warn = (line: string) => io.stderr(`app-server: warning: ${line}\n`);
  const backends = await openBackends({
    dbPath: values.db,
    sessions,
    redisUrl: values.redis,
    memcachedAddr: values.memcached,
    fillMemcached: values['fill-memcached'] === true,
    log: warn,
  });
  let app: Awaited<ReturnType<typeof composeApp>> | undefined;
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  try {
    app = await composeApp({
      dbPath: values.db,
      sessions: backends.sessions,
      assets: backends.assets,
      onError,
      onWarning: warn,
    });
    server = await listen(app.handler, { port, host: values.host ?? '127.0.0.1', onError });
    io.stdout(`listening ${server.url}\n`);
    await untilAborted(io.signal);
  } finally {
    await server?.close();
    await app?.close();
    await backends.close();
  }
  return 0;
}

export const command: Command = {
  name: 'app-server',
  summary: '(internal) one app process on a port, as stages start it',
  usage: USAGE,
  run,
};
