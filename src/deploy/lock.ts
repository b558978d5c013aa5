import { hostname } from 'node:os';
import { FkError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { quoteArg as q } from '../remote/shell-quote.js';
import { deployDir } from './lb-state.js';

/**
 * One deploy at a time per fleet: `mkdir` of a lock folder on the lb host is atomic, whoever
 * made it holds the lock and writes owner.json (who, pid, machine, since, a token) into it. A lock
 * left by a deploy that was killed stays: it is reported with its owner and age (E_DEPLOY_LOCKED)
 * and broken only when asked (`--break-lock`), since the tool cannot know whether a deploy on
 * another machine is still running.
 */
export interface LockOwner {
  user: string;
  pid: number;
  machine: string;
  since: string;
  token: string;
  command: string;
}

const lockDir = (lib: string) => `${deployDir(lib)}/lock`;

export function lockScript(lib: string, owner: string, breakIt: boolean): string {
  const d = q(lockDir(lib));
  return `${[
    `mkdir -p ${q(deployDir(lib))}`,
    ...(breakIt
      ? [`if [ -d ${d} ]; then echo "broke: $(cat ${d}/owner.json 2>/dev/null)"; rm -rf ${d}; fi`]
      : []),
    `if mkdir ${d} 2>/dev/null; then printf '%s' ${q(owner)} > ${d}/owner.json; echo acquired; else echo held; cat ${d}/owner.json 2>/dev/null; fi`,
  ].join('\n')}\n`;
}

export function describeOwner(text: string, now = Date.now()): string {
  try {
    const o = JSON.parse(text) as LockOwner;
    const age = Math.round((now - Date.parse(o.since)) / 1000);
    return `held by ${o.user} (pid ${o.pid} on ${o.machine}, \`${o.command}\`) since ${o.since} — ${age} s ago`;
  } catch {
    return 'held (its owner.json is missing or unreadable: a deploy killed while taking it?)';
  }
}

export interface DeployLock {
  release(): Promise<void>;
  /** What --break-lock broke, if anything. */
  broke?: string;
}

export async function acquireLock(
  lb: Remote,
  lib: string,
  o: { user: string; pid: number; command: string; breakLock?: boolean },
): Promise<DeployLock> {
  const token = Math.random().toString(36).slice(2);
  const owner: LockOwner = {
    user: o.user,
    pid: o.pid,
    machine: hostname(),
    since: new Date().toISOString(),
    token,
    command: o.command,
  };
  const r = await lb.exec(['sh', '-s'], {
    input: lockScript(lib, JSON.stringify(owner), o.breakLock === true),
    timeoutMs: 15_000,
  });
  const lines = r.stdout.split('\n');
  const broke = lines.find((l) => l.startsWith('broke: '))?.slice(7);
  const i = lines.indexOf('held');
  if (i >= 0)
    throw new FkError(
      'E_DEPLOY_LOCKED',
      `the deploy lock on ${lb.host.name} is ${describeOwner(lines.slice(i + 1).join('\n'))}`,
    );
  if (!lines.includes('acquired'))
    throw new FkError(
      'E_DEPLOY_STATE',
      `taking the deploy lock on ${lb.host.name} failed: ${r.stderr.trim()}`,
    );
  const d = lockDir(lib);
  return {
    ...(broke === undefined ? {} : { broke: describeOwner(broke) }),
    release: async () => {
      // Only our own lock: one broken and taken by another deploy meanwhile stays.
      await lb.exec(
        ['sh', '-c', `grep -q ${q(token)} ${q(`${d}/owner.json`)} 2>/dev/null && rm -rf ${q(d)}; true`],
        {
          timeoutMs: 15_000,
        },
      );
    },
  };
}
