import { FkError } from '../errors.js';
import { checkLabName, DEFAULT_LAB_NAME } from '../lab/naming.js';
import { hostsForLab, loadHosts } from '../remote/hosts.js';
import type { RemoteHost } from '../remote/remote-host.js';
import { loadStage, STAGE_NAMES } from '../stages/registry.js';
import { DEFAULT_PROTECT, type StageOptions } from '../stages/stage.js';
import { assertReadyForStage, connectTarget } from '../store/database.js';
import { type DbTarget, describeTarget, parseDbTarget } from '../store/db-target.js';
import { intOption, parse, problemList, sessionsOption, withLabDefault } from './args.js';
import { type Command, type Io, untilAborted } from './io.js';

const USAGE = `flickr-killr serve --stage ${STAGE_NAMES.join('|')} [--port P]
                    [--db PATH|URL|postgres] [--workers N] [--sessions db|redis|memcached]
                    [--redis URL] [--cgi-host lighttpd|builtin] [--protect]
                    [--hosts FILE | --lab [NAME]]   (stage fleet)

Runs one stage of the ladder, prints its URL, and stops everything on Ctrl-C.

  --db PATH|URL|postgres   the database: a SQLite file (default data/flickr-killr.db), a
                           postgres:// URL of a server you run, or 'postgres': the project's
                           own cluster under data/pg, started now and stopped on exit.
                           DATABASE_URL is used when --db is absent.
                           Stage fleet runs PostgreSQL on its db host instead
                           (seeded once), unless --db names a postgres:// URL.
  --lab [NAME]             stage fleet on the lab NAME (default '${DEFAULT_LAB_NAME}'; \`lab up\` first)
  --hosts FILE             stage fleet on the machines of a hosts file (docs/lab.md)
  --workers N              app processes (stage fleet: per app host; default one per core)
  --protect                at most ${DEFAULT_PROTECT.maxInFlight} requests in flight per app process (at nginx and in
                           the process); past it a fast 503 with Retry-After (docs/capacity.md)`;

interface HostsChoice {
  lab?: string;
  file?: string;
}

function options(
  args: string[],
  io: Io,
): { stageName: string; db: DbTarget; dbGiven: boolean; hosts: HostsChoice; opts: Omit<StageOptions, 'db'> } {
  const { values } = parse(withLabDefault(args), {
    stage: { type: 'string' },
    port: { type: 'string' },
    db: { type: 'string' },
    workers: { type: 'string' },
    sessions: { type: 'string' },
    redis: { type: 'string' },
    'cgi-host': { type: 'string' },
    protect: { type: 'boolean' },
    hosts: { type: 'string' },
    lab: { type: 'string' },
  });
  const { problems, checked, throwIfAny } = problemList();
  if (values.hosts !== undefined && values.lab !== undefined)
    problems.push('give --hosts FILE or --lab NAME, not both');

  const cgiHost = values['cgi-host'];
  if (cgiHost !== undefined && cgiHost !== 'lighttpd' && cgiHost !== 'builtin') {
    problems.push(`--cgi-host must be lighttpd or builtin, got '${cgiHost}'`);
  }
  const sessions = checked(() => sessionsOption(values.sessions));
  const port = checked(() => intOption(values.port, 'port', 0, 65535));
  const workers = checked(() => intOption(values.workers, 'workers', 1, 256));
  const db = checked(() => parseDbTarget(values.db, { env: io.env, cwd: io.cwd }));
  const lab = values.lab === undefined ? undefined : checked(() => checkLabName(values.lab!));
  if (values.stage === undefined) problems.push('serve needs --stage');
  // A CGI script lives for one request: there is no long-running app process to bound.
  if (values.protect === true && values.stage === 'cgi')
    problems.push('--protect has no app process to bound in stage cgi');
  throwIfAny();
  return {
    stageName: values.stage!,
    db: db!,
    dbGiven: values.db !== undefined || (io.env.DATABASE_URL ?? '').trim() !== '',
    hosts: {
      ...(lab === undefined ? {} : { lab }),
      ...(values.hosts === undefined ? {} : { file: values.hosts }),
    },
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
  const { stageName, db, dbGiven, hosts, opts } = options(args, io);
  const stage = await loadStage(stageName);
  if (io.signal.aborted) return 130;
  const log = (line: string) => io.stderr(`${line}\n`);
  if (stage.database === 'own')
    return serveOwnDatabase(stage, { ...opts, env: io.env }, db, dbGiven, hosts, io);
  if (hosts.lab !== undefined || hosts.file !== undefined)
    throw new FkError(
      'E_USAGE',
      `--hosts and --lab are for stage fleet; stage ${stage.name} runs on this machine`,
    );
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

/**
 * Stage fleet brings its database (PostgreSQL on its db host, checked and seeded by the stage):
 * nothing local is connected or checked. --db counts only as a server the user runs.
 */
async function serveOwnDatabase(
  stage: Awaited<ReturnType<typeof loadStage>>,
  opts: Omit<StageOptions, 'db'>,
  db: DbTarget,
  dbGiven: boolean,
  choice: HostsChoice,
  io: Io,
): Promise<number> {
  if (dbGiven && db.kind !== 'postgres')
    throw new FkError(
      'E_USAGE',
      `stage ${stage.name} runs PostgreSQL on its db host: --db may only name a postgres:// server the hosts can reach`,
    );
  // E_LAB_NOT_FOUND (one line) when the lab is not up; E_HOSTS_INVALID naming the lines of a bad file.
  const hosts: RemoteHost[] =
    choice.file !== undefined
      ? loadHosts(choice.file, { cwd: io.cwd })
      : hostsForLab(choice.lab ?? DEFAULT_LAB_NAME);
  const target = db.kind === 'postgres' ? db : ({ kind: 'sqlite', path: '' } as const);
  if (db.kind === 'postgres') io.stderr(`database: ${describeTarget(db)}\n`);
  await serveStage(stage, { ...opts, db: target, hosts }, io);
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
    // A stage on other hosts (fleet) leaves nothing on this machine that keeps Node's event loop
    // alive, and an unsettled await alone does not: without this timer serve would exit at once.
    const keepAlive = setInterval(() => {}, 60_000);
    try {
      await untilAborted(io.signal);
    } finally {
      clearInterval(keepAlive);
    }
  } finally {
    await running.stop();
  }
}

export const command: Command = {
  usage: USAGE,
  run,
};
