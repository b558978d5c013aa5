#!/usr/bin/env node
import { killAllServicesSync, stopAllServices } from '../daemons/supervisor.js';
import { runCli } from './run.js';

// The only place that touches the real process: argv, signals, streams, exit code.
const controller = new AbortController();
let interrupted = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupted += 1;
    if (interrupted > 1) {
      killAllServicesSync();
      process.exit(130);
    }
    controller.abort(new Error(sig));
  });
}
process.on('exit', () => killAllServicesSync());

const code = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: process.stderr.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
await stopAllServices();
process.exitCode = code;
