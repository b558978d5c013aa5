import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import { HOST_DIRS } from '../../../src/lab/host-spec.js';
import type { RemoteHost } from '../../../src/remote/remote-host.js';
import type { RunOptions, RunResult } from '../../../src/remote/run-local.js';
import { sshExecArgv } from '../../../src/remote/ssh-argv.js';
import { CONFIRM_TIMEOUT_MS, SshRemote } from '../../../src/remote/ssh-remote.js';

// SshRemote's exit-code rules with a fake local runner: each test lists the exact argv sequence
// it expects, and the runner answers them in order.
const host: RemoteHost = {
  name: 'app2',
  roles: ['app'],
  address: '10.201.7.13',
  port: 22,
  user: 'root',
  controlDir: join(mkdtempSync(join(tmpdir(), 'fk-ssh-remote-')), 'cm'),
  dirs: HOST_DIRS,
};

type Answer = Partial<RunResult>;

function fakeRunner(answers: Answer[]) {
  const calls: { argv: readonly string[]; opts: RunOptions }[] = [];
  const run = async (argv: readonly string[], opts: RunOptions): Promise<RunResult> => {
    calls.push({ argv, opts });
    const a = answers.shift();
    if (a === undefined) throw new Error(`unexpected command ${argv.join(' ')}`);
    return { code: 0, stdout: '', stderr: '', timedOut: false, ms: 1, ...a };
  };
  return { run, calls };
}

const CMD = ['sh', '-s'];
const execArgv = sshExecArgv(host, CMD);
const confirmArgv = sshExecArgv(host, ['true'], { shareConnection: false });

test('the confirming command: a one-off connection (no master), `true`, bounded', () => {
  assert.ok(confirmArgv.includes('ControlMaster=no') && confirmArgv.includes('ControlPath=none'));
  assert.equal(confirmArgv.at(-1), 'true');
  assert.ok(confirmArgv.includes('ConnectTimeout=5'));
});

test('255 with an empty stderr and a failing new connection: E_REMOTE_UNREACHABLE naming the host', async () => {
  const f = fakeRunner([
    { code: 255 },
    { code: 255, stderr: 'ssh: connect to host 10.201.7.13 port 22: Connection timed out\n' },
  ]);
  const r = new SshRemote(host, {}, f.run);
  await assert.rejects(r.exec(CMD, { input: 'echo hi' }), (e) => {
    assert.ok(isFkError(e) && e.code === 'E_REMOTE_UNREACHABLE', String(e));
    assert.match(e.message, /^host app2 \(10\.201\.7\.13:22\) unreachable over ssh: /);
    assert.match(e.message, /exited 255 with nothing on stderr/);
    assert.match(e.message, /Connection timed out/);
    assert.match(e.hint, /link cut/);
    return true;
  });
  assert.deepEqual(
    f.calls.map((c) => c.argv),
    [execArgv, confirmArgv],
  );
  assert.equal(f.calls[1]!.opts.timeoutMs, CONFIRM_TIMEOUT_MS);
  assert.equal(f.calls[1]!.opts.input, undefined, 'the check gets no stdin of the command');
});

test("255 and the new connection works: the 255 is the command's own, returned as it is", async () => {
  const f = fakeRunner([{ code: 255, stdout: 'out', stderr: 'my own error\n' }, { code: 0 }]);
  const r = new SshRemote(host, {}, f.run);
  assert.deepEqual(await r.exec(CMD), { code: 255, stdout: 'out', stderr: 'my own error\n' });
  assert.deepEqual(
    f.calls.map((c) => c.argv),
    [execArgv, confirmArgv],
  );
});

test('255 with ssh’s own complaint: unreachable at once, no second connection', async () => {
  const f = fakeRunner([
    { code: 255, stderr: 'ssh: connect to host 10.201.7.13 port 22: No route to host\n' },
  ]);
  await assert.rejects(
    new SshRemote(host, {}, f.run).exec(CMD),
    (e) => isFkError(e) && e.code === 'E_REMOTE_UNREACHABLE' && /No route to host/.test(e.message),
  );
  assert.deepEqual(
    f.calls.map((c) => c.argv),
    [execArgv],
  );
});

test('the new connection timing out counts as unreachable too', async () => {
  const f = fakeRunner([{ code: 255 }, { code: 137, timedOut: true }]);
  await assert.rejects(
    new SshRemote(host, {}, f.run).exec(CMD),
    (e) => isFkError(e) && e.code === 'E_REMOTE_UNREACHABLE' && /no answer within 15000 ms/.test(e.message),
  );
  assert.equal(f.calls.length, 2);
});

test('any other exit code is returned without a check; a timeout is E_REMOTE_TIMEOUT', async () => {
  const f = fakeRunner([
    { code: 1, stderr: 'nope\n' },
    { code: 137, timedOut: true },
  ]);
  const r = new SshRemote(host, {}, f.run);
  assert.equal((await r.exec(CMD)).code, 1);
  await assert.rejects(r.exec(CMD, { timeoutMs: 10 }), (e) => isFkError(e) && e.code === 'E_REMOTE_TIMEOUT');
  assert.deepEqual(
    f.calls.map((c) => c.argv),
    [execArgv, execArgv],
  );
});
