import { resolve } from 'node:path';
import { FkError } from '../errors.js';
import { DEFAULT_DB_PATH } from '../paths.js';
import { loadStage, STAGE_NAMES } from '../stages/registry.js';
import type { StageOptions } from '../stages/stage.js';
import { intOption, parse, sessionsOption } from './args.js';
import { type Command, type Io, untilAborted } from './io.js';

const USAGE = `flickr-killr serve --stage ${STAGE_NAMES.join('|')} [--port P] [--db PATH]
                    [--workers N] [--sessions db|redis|memcached] [--redis URL] [--cgi-host lighttpd|builtin]

Runs one stage of the ladder, prints its URL, and stops everything on Ctrl-C.`;

function options(args: string[], io: Io): { stageName: string; opts: StageOptions } {
  const { values } = parse(args, {
    stage: { type: 'string' },
    port: { type: 'string' },
    db: { type: 'string' },
    workers: { type: 'string' },
    sessions: { type: 'string' },
    redis: { type: 'string' },
    'cgi-host': { type: 'string' },
  });
  const problems: string[] = [];
  const cgiHost = values['cgi-host'];
  if (cgiHost !== undefined && cgiHost !== 'lighttpd' && cgiHost !== 'builtin') {
    problems.push(`--cgi-host must be lighttpd or builtin, got '${cgiHost}'`);
  }
  // Every problem reported together (style guide: validated once, all problems at once).
  const checked = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      problems.push((e as Error).message);
      return undefined;
    }
  };
  const sessions = checked(() => sessionsOption(values.sessions));
  const port = checked(() => intOption(values.port, 'port', 0, 65535));
  const workers = checked(() => intOption(values.workers, 'workers', 1, 256));
  if (values.stage === undefined) problems.push('serve needs --stage');
  if (problems.length > 0) throw new FkError('E_USAGE', problems.join('; '));
  return {
    stageName: values.stage!,
    opts: {
      dbPath: resolve(io.cwd, values.db ?? DEFAULT_DB_PATH),
      port,
      workers,
      sessions,
      redisUrl: values.redis,
      cgiHost: cgiHost as StageOptions['cgiHost'],
      log: (line) => io.stderr(`${line}\n`),
    },
  };
}

async function run(args: string[], io: Io): Promise<number> {
  const { stageName, opts } = options(args, io);
  const stage = await loadStage(stageName);
  if (io.signal.aborted) return 130;
  // start() checks the database and every prerequisite before a single process starts.
  const running = await stage.start(opts);
  try {
    const version = stage.talk?.version ? ` (talk ${stage.talk.version})` : '';
    io.stderr(
      `stage ${stage.name}${version}: ${stage.summary}\nrun dir ${running.runDir}; Ctrl-C stops it\n`,
    );
    io.stdout(`${running.url}\n`);
    await untilAborted(io.signal);
  } finally {
    await running.stop();
  }
  return 0;
}

export const command: Command = {
  usage: USAGE,
  run,
};
