/**
 * A stand-in stage for ladder tests: a real child process (a few lines of node:http) started and
 * stopped by the supervisor, so the ladder's start → smoke → sample → stop path runs for real
 * without nginx or the app. And a fake bench returning a canned result.
 */
import { join } from 'node:path';
import type { BenchOptions, BenchResultCore } from '../../src/bench/api.js';
import { freePort } from '../../src/daemons/free-port.js';
import { startService } from '../../src/daemons/supervisor.js';
import type { BenchFn } from '../../src/ladder/types.js';
import type { CheckedStage } from '../../src/stages/registry.js';
import type { StageOptions } from '../../src/stages/stage.js';
import { benchCore } from './report-fixture.js';

const SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/login') {
    res.writeHead(303, { location: '/', 'set-cookie': 'fk_session=0123456789abcdef0123456789abcdef; Path=/' });
    return res.end();
  }
  const m = /^\\/users\\/(\\d+)$/.exec(req.url);
  if (m) {
    res.writeHead(200, { 'content-type': 'text/html', 'server-timing': 'session;dur=0.05, db;dur=0.1, render;dur=0.2' });
    return res.end('<h1>' + (process.env.FAKE_NAME || 'User ' + m[1]) + '</h1><link rel="stylesheet" href="/static/site.css"><img src="/static/t1.png">');
  }
  if (req.url.startsWith('/static/')) return res.writeHead(200).end('x');
  res.writeHead(404).end();
}).listen(Number(process.argv[1]), '127.0.0.1');
`;

export function fakeStage(
  name: string,
  opts: { failStart?: boolean; wrongName?: boolean; missingBinary?: string } = {},
): CheckedStage {
  return {
    name,
    staticFrom: 'app',
    dbClients: () => 1,
    title: `fake ${name}`,
    summary: 'a node:http stand-in',
    prerequisites: () =>
      opts.missingBinary ? [{ binary: opts.missingBinary, debianPackage: `${opts.missingBinary}-pkg` }] : [],
    start: async (so: StageOptions) => {
      if (opts.failStart) throw Object.assign(new Error('app-1 exited during start-up: boom'), {});
      const port = await freePort();
      const svc = await startService({
        role: 'app-1',
        command: process.execPath,
        args: ['-e', SERVER, String(port)],
        env: { PATH: process.env.PATH, FAKE_NAME: opts.wrongName ? 'Somebody Else' : '' },
        logFile: join(so.runDir!, 'app-1.log'),
        readyPort: port,
      });
      return {
        name,
        url: `http://127.0.0.1:${port}`,
        runDir: so.runDir!,
        processes: () => (svc.isRunning() ? [{ role: 'app-1', pid: svc.pid }] : []),
        stop: () => svc.stop(),
      };
    },
  };
}

/** Resolves after `ms` with a canned result; records the options it was called with. */
export function fakeBench(calls: BenchOptions[], ms = 300, pvs = 100): BenchFn {
  return async (opts, hooks) => {
    calls.push(opts);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      hooks?.signal?.addEventListener('abort', () => {
        clearTimeout(t);
        reject(new Error('aborted'));
      });
    });
    return benchCore(pvs, { durationS: ms / 1000 }) satisfies BenchResultCore;
  };
}
