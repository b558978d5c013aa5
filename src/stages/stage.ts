/**
 * A stage is one topology of the talk's ladder (0.1 cgi, 0.2 single, 0.3 nginx, 0.4 memcached, and
 * the "other options"). Its definition is data plus a start function; configs are rendered by pure
 * functions (golden-tested), and processes run under the Supervisor, stopped by PID.
 */
export type StageName = 'cgi' | 'single' | 'nginx' | 'memcached' | 'cluster' | 'nginx-static' | 'proxy-cache';

export type SessionBackend = 'db' | 'redis' | 'memcached';

export interface Prerequisite {
  /** Executable looked up on PATH (plus /usr/sbin, /sbin), e.g. 'nginx'. */
  binary: string;
  /** Debian package that provides it, e.g. 'nginx'. */
  debianPackage: string;
}

export interface StageOptions {
  dbPath: string;
  /** Front-door port; 0 or undefined = a free loopback port. */
  port?: number;
  /** App processes for multi-process stages; default: number of cores. */
  workers?: number;
  sessions?: SessionBackend;
  /** Use an existing Redis instead of starting one (redis://127.0.0.1:6379). */
  redisUrl?: string;
  /** stage cgi only: which CGI host runs the script. */
  cgiHost?: 'lighttpd' | 'builtin';
  /** Per-run directory for configs, logs and pid files; default: a fresh temp dir. */
  runDir?: string;
  /** Progress lines for the user (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface ProcessInfo {
  /** What the process is in the topology: 'nginx', 'app-1', 'memcached', 'redis', 'lighttpd', ... */
  role: string;
  pid: number;
}

export interface RunningStage {
  name: StageName;
  /** Front door, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Long-running processes of the stack, for /proc CPU sampling. Per-request CGI children are not listed. */
  processes(): ProcessInfo[];
  /** Per-run directory holding configs and logs. */
  runDir: string;
  /** Stops every process this stage started, by PID; idempotent. */
  stop(): Promise<void>;
}

export interface StageDefinition {
  name: StageName;
  /** The talk's version number where the stage is one of its slides, e.g. '0.3'. */
  talkVersion?: string;
  title: string;
  /** One sentence: what this topology is. */
  summary: string;
  prerequisites(opts: StageOptions): Prerequisite[];
  start(opts: StageOptions): Promise<RunningStage>;
}

/**
 * What a stage module exports. loadStage() (src/stages/index.ts) wraps it into a StageDefinition:
 * it checks the database and the prerequisites and creates the run directory first.
 */
export interface StageModule extends Omit<StageDefinition, 'start'> {
  start(opts: StartOptions): Promise<RunningStage>;
}

/** StageOptions once checked: dbPath absolute and existing, runDir existing. */
export type StartOptions = StageOptions & { runDir: string };
