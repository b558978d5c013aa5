import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { canConnect } from '../../src/daemons/free-port.js';
import { CLI_ENTRY } from '../../src/paths.js';
import { rawHttpFetch } from '../helpers/app-raw-client.js';
import { fakeIo } from '../helpers/fake-io.js';
import { busyPort } from '../helpers/stage-fixture.js';

// The CLI in-process (seed, index, serve, app-server); `serve` spawns the compiled app
// (dist/cli/main.js), so build first: npx tsc -p tsconfig.build.json.

function testIo(isTTY = false) {
  return fakeIo({ isTTY, cwd: dir });
}

async function waitFor<T>(what: string, f: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let dir: string;
before(() => {
  assert.ok(existsSync(CLI_ENTRY), `${CLI_ENTRY} is missing: run npx tsc -p tsconfig.build.json`);
  dir = mkdtempSync(join(tmpdir(), 'fk-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('seed creates the database; again without --force is E_DB_EXISTS; --force replaces it', async () => {
  const io = testIo(true);
  assert.equal(await runCli(['seed', '--db', 'fk.db', '--users', '200'], io), 0, io.err.join(''));
  assert.match(io.out.join(''), /200 users, \d+ photos/);
  assert.match(io.err.join(''), /\r\[#+\] 100% /, 'a progress bar on a TTY');
  assert.ok(existsSync(join(dir, 'static', 'thumbs', 't0999.png')));
  const again = testIo();
  assert.equal(await runCli(['seed', '--db', 'fk.db', '--users', '200'], again), 1);
  assert.equal(again.err.join('').includes('\r['), false, 'no progress bar off a TTY');
  assert.match(again.err.join(''), /\[E_DB_EXISTS\]/);
  assert.match(again.err.join(''), /--force/);
  const forced = testIo();
  assert.equal(
    await runCli(['seed', '--db', 'fk.db', '--users', '200', '--seed', '2', '--force'], forced),
    0,
  );
  assert.match(forced.out.join(''), /1003 unchanged/);
  const bad = testIo();
  assert.equal(await runCli(['seed', '--users', 'lots'], bad), 2);
  assert.match(bad.err.join(''), /\[E_USAGE\]/);
});

test('index drop|status|create', async () => {
  const run = async (action: string) => {
    const io = testIo();
    assert.equal(await runCli(['index', action, '--db', 'fk.db'], io), 0, io.err.join(''));
    return io.out.join('');
  };
  assert.match(await run('drop'), /absent .*SCAN photos/);
  assert.match(await run('status'), /absent/);
  assert.match(await run('create'), /present .*INDEX photos_user_id/);
  const io = testIo();
  assert.equal(await runCli(['index', 'frobnicate', '--db', 'fk.db'], io), 2);
});

test('serve --stage single: prints the URL, serves, and stops its process on abort', async () => {
  const io = testIo();
  const done = runCli(['serve', '--stage', 'single', '--db', 'fk.db'], io);
  const url = await waitFor('the URL', () => /^(http:\/\/127\.0\.0\.1:\d+)\n/m.exec(io.out.join(''))?.[1]);
  const r = await rawHttpFetch(url)({ method: 'GET', target: '/users/1' });
  assert.equal(r.status, 200);
  const pid = Number(/^app-(\d+)$/.exec(String(r.headers['x-served-by']))?.[1]);
  assert.ok(pid > 0 && pid !== process.pid);
  assert.equal(alive(pid), true);
  const runDir = /run dir (\S+);/.exec(io.err.join(''))?.[1];
  assert.ok(runDir !== undefined && existsSync(runDir), 'serve names its per-run directory');
  io.abort();
  assert.equal(await done, 0, io.err.join(''));
  assert.equal(alive(pid), false, 'the app process is gone');
  assert.equal(await canConnect(Number(new URL(url).port)), false, 'nothing listens any more');
  assert.equal(existsSync(runDir), false, 'and its temp run directory is removed');
});

test('serve on a port in use: one clear line, non-zero, nothing started', async (t) => {
  const port = await busyPort(t);
  const io = testIo();
  assert.equal(await runCli(['serve', '--stage', 'single', '--db', 'fk.db', '--port', String(port)], io), 1);
  assert.match(io.err.join(''), /port \d+ .*in use \[E_PORT_IN_USE\]/);
  assert.equal(io.out.join(''), '');
});

test('serve checks the database and the stage before starting anything', async () => {
  const io = testIo();
  assert.equal(await runCli(['serve', '--stage', 'single', '--db', 'missing.db'], io), 1);
  assert.match(io.err.join(''), /\[E_DB_MISSING\]/);
  assert.doesNotMatch(io.err.join(''), /\n\s+at /);
  assert.equal(existsSync(join(dir, 'missing.db')), false);
  const io2 = testIo();
  assert.equal(await runCli(['serve', '--stage', 'warp-drive', '--db', 'fk.db'], io2), 1);
  assert.match(io2.err.join(''), /\[E_STAGE_UNKNOWN\]/);
  const io3 = testIo();
  assert.equal(await runCli(['serve', '--db', 'fk.db', '--port', 'x'], io3), 2);
  assert.match(io3.err.join(''), /needs --stage/);
});

test('app-server in-process: "listening URL", serves, stops on abort', async () => {
  const io = testIo();
  const done = runCli(['app-server', '--port', '0', '--db', join(dir, 'fk.db')], io);
  const url = await waitFor(
    'listening',
    () => /^listening (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(io.out.join(''))?.[1],
  );
  assert.equal((await rawHttpFetch(url)({ method: 'GET', target: '/' })).status, 200);
  io.abort();
  assert.equal(await done, 0);
  assert.equal(await canConnect(Number(new URL(url).port)), false);
  const bad = testIo();
  assert.equal(await runCli(['app-server', '--port', '0', '--db', join(dir, 'nope.db')], bad), 1);
  assert.match(bad.err.join(''), /\[E_DB_MISSING\]/);
});
