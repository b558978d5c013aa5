import { canConnect } from '../../daemons/free-port.js';
import { FkError, isFkError } from '../../errors.js';
import type { Remote } from '../../remote/remote.js';
import {
  bootScript,
  logTailArgv,
  type ProgramStatus,
  parseStatus,
  prepareScript,
  SHELL,
  shutdownScript,
  supervisorctlArgv,
} from './host-scripts.js';
import type { HostPlan } from './plan.js';
import type { ProgramPlan } from './programs.js';

/**
 * One step on a host: `script` through `sh -s` over its ssh connection, bounded by `timeoutMs`;
 * its stdout, or E_REMOTE_COMMAND naming the step, the host and the end of what it said. Stage
 * fleet's steps and the deploy tool's (deploy/app-host.ts) all run through here.
 */
export async function runHostScript(
  remote: Remote,
  what: string,
  script: string,
  timeoutMs: number,
): Promise<string> {
  const r = await remote.exec(SHELL, { input: script, timeoutMs });
  if (r.code !== 0)
    throw new FkError(
      'E_REMOTE_COMMAND',
      `${what} on host ${remote.host.name} exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-4).join(' | ')}`,
    );
  return r.stdout;
}

/**
 * One host of a running fleet: its plan and its ssh connection, and the steps start.ts runs on it.
 * Every step is one ssh command built in host-scripts.ts; a failure names the host and the output.
 */
export class FleetHost {
  constructor(
    readonly plan: HostPlan,
    readonly remote: Remote,
  ) {}

  get name(): string {
    return this.plan.name;
  }

  private sh(what: string, script: string, timeoutMs: number): Promise<string> {
    return runHostScript(this.remote, what, script, timeoutMs);
  }

  /** Folders, initdb on a new db host, config files. */
  prepare(): Promise<string> {
    return this.sh('writing the configs', prepareScript(this.plan), 120_000);
  }

  /** supervisord started (a leftover one of this config stopped first), and with it the autostart programs. */
  async boot(): Promise<{ leftover: boolean }> {
    const out = await this.sh('starting supervisord', bootScript(this.plan), 120_000);
    return { leftover: out.includes('stopped-leftover') };
  }

  /** Every program stopped, then supervisord; false when none ran. */
  async shutdown(): Promise<boolean> {
    const out = await this.sh('stopping supervisord', shutdownScript(this.plan), 120_000);
    return out.includes('stopped-leftover');
  }

  ctl(...args: string[]) {
    return this.remote.exec(supervisorctlArgv(this.plan, ...args), { timeoutMs: 90_000 });
  }

  /**
   * Programs supervisord did not start by itself (a later phase on this host): `supervisorctl
   * start` waits startsecs for each and says which did not start.
   */
  async start(programs: readonly ProgramPlan[]): Promise<void> {
    const names = programs.filter((p) => !p.autostart).map((p) => p.name);
    if (names.length === 0) return;
    const r = await this.ctl('start', ...names);
    if (r.code !== 0 || /ERROR/.test(r.stdout)) throw await this.failure(programs, r.stdout.trim());
  }

  async status(): Promise<ProgramStatus[]> {
    const r = await this.ctl('status');
    // Exit 3 when a program is not running: the lines still say what each is.
    return parseStatus(r.stdout);
  }

  /** Why programs did not start: their supervisor state and the end of each log. */
  async failure(programs: readonly ProgramPlan[], said: string): Promise<FkError> {
    const states = await this.status().catch(() => []);
    const parts: string[] = [];
    for (const p of programs) {
      const s = states.find((x) => x.name === p.name);
      if (s?.state === 'RUNNING') continue;
      const tail = await this.remote
        .exec(logTailArgv(p.log), { timeoutMs: 10_000 })
        .then((t) => t.stdout.trim().split('\n').slice(-6).join(' | '))
        .catch(() => '');
      parts.push(`${p.name} ${s?.state ?? '?'} ${s?.detail ?? ''} (log ${p.log}: ${tail || 'empty'})`);
    }
    return new FkError(
      'E_PROCESS_EXITED',
      `host ${this.name}: ${parts.join('; ') || said || 'programs did not start'}`,
    );
  }

  /** Until the program answers from this machine (TCP, or an HTTP status below 500). */
  async waitReady(p: ProgramPlan, timeoutMs: number, probe?: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const check = probe ?? (() => answers(p));
    for (;;) {
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) {
        const e = await this.failure([p], '');
        throw new FkError(
          'E_START_TIMEOUT',
          `${p.name} on host ${this.name} did not answer at ${p.listen.address}:${p.listen.port} within ${timeoutMs} ms (${e.message})`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function answers(p: ProgramPlan): Promise<boolean> {
  if (p.ready !== 'http') return canConnect(p.listen.port, p.listen.address, 1000);
  const r = await fetch(`http://${p.listen.address}:${p.listen.port}/`, {
    signal: AbortSignal.timeout(2000),
  });
  await r.arrayBuffer();
  return r.status < 500;
}

/** Runs `fn` on every host at once; every failure is reported, the first one thrown. */
export async function onEvery<T>(
  hosts: readonly FleetHost[],
  fn: (h: FleetHost) => Promise<T>,
): Promise<T[]> {
  const results = await Promise.allSettled(hosts.map(fn));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length === 1) throw failed[0]!.reason;
  if (failed.length > 1) {
    const msgs = failed.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason)));
    const first = failed[0]!.reason;
    throw new FkError(isFkError(first) ? first.code : 'E_INTERNAL', msgs.join('; '));
  }
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
