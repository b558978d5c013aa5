import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FkError } from '../errors.js';
import { DEFAULT_DB_PATH } from '../paths.js';
import { loadStage, STAGE_ORDER } from '../stages/index.js';
import { missingPrerequisites } from '../stages/prereq.js';
import type { SessionBackend, StageOptions } from '../stages/stage.js';
import { intOption, parse } from './args.js';
import { type Command, type Io, untilAborted } from './io.js';

const USAGE = `flickr-killr serve --stage ${STAGE_ORDER.join('|')} [--port P] [--db PATH]
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
  const sessions = values.sessions;
  if (sessions !== undefined && sessions !== 'db' && sessions !== 'redis' && sessions !== 'memcached') {
    problems.push(`--sessions must be db, redis or memcached, got '${sessions}'`);
  }
  const cgiHost = values['cgi-host'];
  if (cgiHost !== undefined && cgiHost !== 'lighttpd' && cgiHost !== 'builtin') {
    problems.push(`--cgi-host must be lighttpd or builtin, got '${cgiHost}'`);
  }
  let port: number | undefined;
  let workers: number | undefined;
  try {
    port = intOption(values.port, 'port', 0, 65535);
    workers = intOption(values.workers, 'workers', 1, 256);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (values.stage === undefined) problems.push('serve needs --stage');
  if (problems.length > 0) throw new FkError('E_USAGE', problems.join('; '));
  return {
    stageName: values.stage!,
    opts: {
      dbPath: resolve(io.cwd, values.db ?? DEFAULT_DB_PATH),
      port,
      workers,
      sessions: sessions as SessionBackend | undefined,
      redisUrl: values.redis,
      cgiHost: cgiHost as StageOptions['cgiHost'],
      log: (line) => io.stderr(`${line}\n`),
    },
  };
}

async function run(args: string[], io: Io): Promise<number> {
  const { stageName, opts } = options(args, io);
  const stage = await loadStage(stageName);
  // Everything that can be checked is checked before a single process starts.
  if (!existsSync(opts.dbPath)) throw new FkError('E_DB_MISSING', `no database at ${opts.dbPath}`);
  const missing = missingPrerequisites(stage.prerequisites(opts));
  if (missing.length > 0) {
    throw new FkError(
      'E_PREREQ_MISSING',
      `stage ${stage.name} needs ${missing.map((m) => m.binary).join(', ')}: ${missing.map((m) => m.install).join('; ')}`,
    );
  }
  if (io.signal.aborted) return 130;
  const running = await stage.start(opts);
  try {
    const version = stage.talkVersion ? ` (talk ${stage.talkVersion})` : '';
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
  name: 'serve',
  summary: 'Run one stage of the ladder until Ctrl-C',
  usage: USAGE,
  run,
};
