import { FkError } from '../errors.js';
import { loadStage, STAGE_NAMES } from '../stages/registry.js';
import { DEFAULT_PROTECT, type StageOptions } from '../stages/stage.js';
import { assertReadyForStage, connectTarget } from '../store/database.js';
import { type DbTarget, describeTarget, parseDbTarget } from '../store/db-target.js';
import { intOption, parse, sessionsOption } from './args.js';
import { type Command, type Io, untilAborted } from './io.js';

const USAGE = `flickr-killr serve --stage ${STAGE_NAMES.join('|')} [--port P]
                    [--db PATH|URL|postgres] [--workers N] [--sessions db|redis|memcached]
                    [--redis URL] [--cgi-host lighttpd|builtin] [--protect]

Runs one stage of the ladder, prints its URL, and stops everything on Ctrl-C.

  --db PATH|URL|postgres   the database: a SQLite file (default data/flickr-killr.db), a
                           postgres:// URL of a server you run, or 'postgres': the project's
                           own cluster under data/pg, started now and stopped on exit.
                           DATABASE_URL is used when --db is absent.
  --protect                at most ${DEFAULT_PROTECT.maxInFlight} requests in flight per app process (at nginx and in
                           the process); past it a fast 503 with Retry-After (docs/capacity.md)`;

function options(
  args: string[],
  io: Io,
): { stageName: string; db: DbTarget; opts: Omit<StageOptions, 'db'> } {
  const { values } = parse(args, {
    stage: { type: 'string' },
    port: { type: 'string' },
    db: { type: 'string' },
    workers: { type: 'string' },
    sessions: { type: 'string' },
    redis: { type: 'string' },
    'cgi-host': { type: 'string' },
    protect: { type: 'boolean' },
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
  const db = checked(() => parseDbTarget(values.db, { env: io.env, cwd: io.cwd }));
  if (values.stage === undefined) problems.push('serve needs --stage');
  // A CGI script lives for one request: there is no long-running app process to bound.
  if (values.protect === true && values.stage === 'cgi')
    problems.push('--protect has no app process to bound in stage cgi');
  if (problems.length > 0) throw new FkError('E_USAGE', problems.join('; '));
  return {
    stageName: values.stage!,
    db: db!,
    opts: {
      port,
      workers,
      sessions,
      redisUrl: values.redis,
      cgiHost: cgiHost as StageOptions['cgiHost'],
      ...(values.protect === true ? { protect: DEFAULT_PROTECT } : {}),
      log: (line) => io.stderr(`${line}\n`),
    },
  };
}

async function run(args: string[], io: Io): Promise<number> {
  const { stageName, db, opts } = options(args, io);
  const stage = await loadStage(stageName);
  if (io.signal.aborted) return 130;
  const log = (line: string) => io.stderr(`${line}\n`);
  // `--db postgres` starts the project's own cluster, for as long as the stage runs.
  const connected = await connectTarget(db, { log });
  try {
    const stageOpts: StageOptions = { ...opts, db: connected.target };
    await assertReadyForStage(connected.target, stage.dbClients(stageOpts), 'flickr-killr seed --db …');
    log(`database: ${describeTarget(connected.target)}`);
    // start() checks a SQLite file and every prerequisite before a single process starts.
    await serveStage(stage, stageOpts, io);
  } finally {
    await connected.stop();
  }
  return 0;
}

async function serveStage(
  stage: Awaited<ReturnType<typeof loadStage>>,
  opts: StageOptions,
  io: Io,
): Promise<void> {
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
}

export const command: Command = {
  usage: USAGE,
  run,
};
