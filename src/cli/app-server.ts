import { FkError } from '../errors.js';
import { runAppProcess } from '../server/app-process.js';
import { intOption, parse, sessionsOption } from './args.js';
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
  const sessions = sessionsOption(values.sessions) ?? 'db';
  const onError = (e: unknown) =>
    io.stderr(`app-server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  await runAppProcess({
    dbPath: values.db,
    sessions,
    redisUrl: values.redis,
    memcachedAddr: values.memcached,
    fillMemcached: values['fill-memcached'] === true,
    port,
    host: values.host ?? '127.0.0.1',
    onError,
    onWarning: (line) => io.stderr(`app-server: warning: ${line}\n`),
    onListening: (url) => io.stdout(`listening ${url}\n`),
    until: untilAborted(io.signal),
  });
  return 0;
}

export const command: Command = {
  usage: USAGE,
  run,
};
