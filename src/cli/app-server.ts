import { fromArgv } from '../server/app-process-spec.js';
import { type Command, type Io, untilAborted } from './io.js';

const USAGE = `flickr-killr app-server --port P --db PATH|URL [--host 127.0.0.1] [--static DIR]
                        [--sessions db|redis|memcached] [--redis URL] [--memcached HOST:PORT[,…]]
                        [--fill-memcached] [--cluster N] [--max-in-flight N]

(internal) One app process, as stages start it (its arguments are an AppProcessSpec:
src/server/app-process-spec.ts). With --cluster N, a node:cluster primary forks N workers on the
same port (stage cluster). Prints "listening http://HOST:PORT" when ready; stops cleanly on SIGTERM.`;

async function run(args: string[], io: Io): Promise<number> {
  // A database URL with a password comes in DATABASE_URL, not argv (server/app-process-spec.ts).
  const spec = fromArgv(args, io.env);
  const tag = spec.cluster > 0 ? `app-server[${process.pid}]` : 'app-server';
  const hooks = {
    onError: (e: unknown) =>
      io.stderr(`${tag}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`),
    onWarning: (line: string) => io.stderr(`${tag}: warning: ${line}\n`),
    onListening: (url: string) => io.stdout(`listening ${url}\n`),
    until: untilAborted(io.signal),
  };
  if (spec.cluster > 0) {
    const { runCluster } = await import('../server/cluster.js');
    await runCluster(spec, { ...hooks, log: (line) => io.stderr(`${tag}: ${line}\n`) });
  } else {
    const { runAppProcess } = await import('../server/app-process.js');
    await runAppProcess(spec, hooks);
  }
  return 0;
}

export const command: Command = {
  usage: USAGE,
  run,
};
