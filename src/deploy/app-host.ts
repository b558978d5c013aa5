import type { Remote } from '../remote/remote.js';
import { quoteArg as q } from '../remote/shell-quote.js';
import { runHostScript } from '../stages/fleet/host-ops.js';
import { logTailArgv, type ProgramStatus, parseStatus } from '../stages/fleet/host-scripts.js';
import type { HostPlan } from '../stages/fleet/plan.js';
import type { ProgramPlan } from '../stages/fleet/programs.js';
import { programFilePath, programsDir, renderProgramFile } from '../stages/fleet/supervisord-conf.js';

/**
 * The app processes of one app host, as supervisord programs of one file each in programs.d:
 * what runs (one ssh command: the files and `supervisorctl status`), starting a release's
 * processes (files written, `supervisorctl update` adds them) and stopping others (files
 * removed, `update` stops and forgets them). Every step has a timeout: a host cut off the network
 * fails the step in bounded time instead of hanging the deploy.
 */
export interface AppProgram {
  name: string;
  port?: number;
  /** The release that started it (absent: started by `serve --stage fleet`). */
  release?: string;
  artifact?: string;
  state?: string;
  pid?: number;
  /** supervisor's "uptime 0:01:02" or why it exited. */
  detail?: string;
}

const STATUS_MARK = '==> supervisorctl status';

export function inventoryScript(h: HostPlan): string {
  return `${[
    `for f in ${q(programsDir(h.paths))}/*.conf; do [ -e "$f" ] || continue; echo "==> $f"; cat "$f"; done`,
    `echo ${q(STATUS_MARK)}`,
    `${q(h.supervisorctl)} -c ${q(h.paths.supervisorConf)} status 2>&1 || true`,
  ].join('\n')}\n`;
}

/** The files of programs.d and supervisor's status lines → one entry per program file. */
export function parseInventory(text: string): { programs: AppProgram[]; supervisorUp: boolean } {
  const [files = '', status = ''] = text.split(`${STATUS_MARK}\n`);
  const states = parseStatus(status).filter((s) => /^[a-z]/.test(s.name));
  const programs: AppProgram[] = [];
  for (const chunk of files.split(/^==> /m).slice(1)) {
    const name = /^\[program:([^\]]+)\]$/m.exec(chunk)?.[1];
    if (name === undefined) continue;
    const command = /^command=(.*)$/m.exec(chunk)?.[1] ?? '';
    const port = /--port '?(\d+)/.exec(command)?.[1];
    const release = /^; fk-release=(\S+)$/m.exec(chunk)?.[1];
    const artifact = /\/releases\/([0-9a-f]{16})\//.exec(command)?.[1];
    const s: ProgramStatus | undefined = states.find((x) => x.name === name);
    programs.push({
      name,
      ...(port === undefined ? {} : { port: Number(port) }),
      ...(release === undefined ? {} : { release }),
      ...(artifact === undefined ? {} : { artifact }),
      ...(s === undefined ? {} : { state: s.state, detail: s.detail }),
      ...(s?.pid === undefined ? {} : { pid: s.pid }),
    });
  }
  // "unix:///…/supervisor.sock no such file" when supervisord is not running.
  const supervisorUp = !/no such file|refused connection|SHUTDOWN_STATE/i.test(status);
  return { programs, supervisorUp };
}

export class AppHost {
  constructor(
    readonly plan: HostPlan,
    readonly remote: Remote,
  ) {}

  get name(): string {
    return this.plan.name;
  }

  async inventory(): Promise<{ programs: AppProgram[]; supervisorUp: boolean }> {
    return parseInventory(
      await runHostScript(this.remote, 'listing the app processes', inventoryScript(this.plan), 20_000),
    );
  }

  /** Writes each program's file and lets supervisord add (and start) them. */
  async start(programs: readonly { plan: ProgramPlan; release: string }[]): Promise<string> {
    const lines = ['set -e', 'umask 077'];
    for (const p of programs) {
      const f = programFilePath(this.plan.paths, p.plan.name);
      const text = renderProgramFile(p.plan, this.plan.root, { 'fk-release': p.release });
      lines.push(`printf '%s' ${q(text)} > ${q(`${f}.fk-tmp`)}`, `mv -f ${q(`${f}.fk-tmp`)} ${q(f)}`);
    }
    lines.push(this.update());
    return runHostScript(this.remote, 'starting the new processes', `${lines.join('\n')}\n`, 45_000);
  }

  /** Removes the programs' files; `update` stops each (SIGTERM, then SIGKILL after stopwaitsecs) and forgets it. */
  async stop(names: readonly string[]): Promise<string> {
    if (names.length === 0) return '';
    const rm = names.map((n) => `rm -f ${q(programFilePath(this.plan.paths, n))}`);
    return runHostScript(
      this.remote,
      'stopping the old processes',
      `${[...rm, this.update()].join('\n')}\n`,
      60_000,
    );
  }

  private update(): string {
    return `${q(this.plan.supervisorctl)} -c ${q(this.plan.paths.supervisorConf)} update`;
  }

  /** The last lines of a program's log (supervisord's stdout/stderr log of it). */
  async logTail(p: ProgramPlan, lines = 20): Promise<string> {
    const r = await this.remote
      .exec(logTailArgv(p.log, lines), { timeoutMs: 10_000 })
      .catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
    return (r.stdout || r.stderr).trimEnd();
  }

  /** Release folders kept: those of `keep` and whatever a program still runs from. */
  async prune(keep: readonly string[]): Promise<string[]> {
    const releases = this.plan.paths.releases;
    const keepList = keep.map((k) => `-e ${q(k)}`).join(' ');
    const script = [
      `cd ${q(releases)} 2>/dev/null || exit 0`,
      `for d in *; do [ -d "$d" ] || continue; case "$d" in *.incoming) continue;; esac`,
      `  if echo "$d" | grep -qx ${keepList}; then continue; fi`,
      `  if grep -qsF "/releases/$d/" ${q(programsDir(this.plan.paths))}/*.conf; then continue; fi`,
      '  rm -rf "$d"; echo "$d"',
      'done',
    ].join('\n');
    return (await runHostScript(this.remote, 'pruning old releases', `${script}\n`, 60_000))
      .split('\n')
      .filter((l) => l !== '');
  }
}
