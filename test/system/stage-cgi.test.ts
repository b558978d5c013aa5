import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, describe, type TestContext, test } from 'node:test';
import { distPath } from '../../src/paths.js';
import { parseCgiResponse } from '../../src/server/cgi/protocol.js';
import { stage } from '../../src/stages/cgi/index.js';
import { loadStage } from '../../src/stages/registry.js';
import type { RunningStage } from '../../src/stages/stage.js';
import { appSmokeCase } from '../conformance/app-smoke.case.js';
import { rawHttpFetch } from '../helpers/app-raw-client.js';
import { login, removeSeededDb, request, seededDb, startStage } from '../helpers/stage-fixture.js';

/**
 * Stage cgi (the talk's 0.1) for real: a seeded 200-user database, the stage started through its
 * definition under lighttpd's mod_cgi and under the built-in gateway, the same assertions through
 * each, and every process gone after stop(). Needs a build: `npx tsc -p tsconfig.build.json`.
 */
after(() => removeSeededDb());

/** One raw exchange, so that targets like `/static/../x` reach the server without client normalisation. */
function rawGet(url: string, target: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname, () =>
      sock.write(`GET ${target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`),
    );
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(text.slice(9, 12)), text });
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exercise(t: TestContext, s: RunningStage, expectedRole: string): Promise<void> {
  const procs = s.processes();
  assert.deepEqual(
    procs.map((p) => p.role),
    [expectedRole],
    'one long-running process; per-request children are not listed',
  );

  const front = await request(s.url, '/');
  assert.equal(front.status, 200);
  assert.match(front.headers.get('content-type') ?? '', /^text\/html/);
  // one node process per request: two requests, two different processes
  const again = await request(s.url, '/');
  assert.match(front.headers.get('x-served-by') ?? '', /^cgi-\d+$/);
  assert.notEqual(front.headers.get('x-served-by'), again.headers.get('x-served-by'));

  const user = await request(s.url, '/users/1');
  assert.equal(user.status, 200);
  assert.match(user.body, /\/static\/thumbs\/[^"]+\.png/, 'the user page shows photos');
  assert.doesNotMatch(user.body, /<script>alert/, 'names are escaped');
  assert.match(user.body, /&lt;script&gt;/, "user 1's hostile name is rendered escaped");

  const css = await request(s.url, '/static/site.css');
  assert.equal(css.status, 200);
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.ok(css.body.length > 0);
  const thumb = user.body.match(/\/static\/thumbs\/[^"]+\.png/)![0];
  const png = await request(s.url, thumb);
  assert.equal(png.status, 200);
  assert.equal(png.headers.get('content-type'), 'image/png');

  const { cookie } = await login(s.url, 7);
  const me = await request(s.url, '/users/1', { cookie });
  assert.equal(me.status, 200);
  assert.notEqual(me.body, user.body, 'the page changes once logged in');
  assert.match(me.body, /data-user-id="7"/, 'the viewer (user 7) is shown logged in');
  assert.equal((await request(s.url, '/login', { method: 'POST', body: 'user=999999' })).status, 400);

  assert.equal((await rawGet(s.url, '/static/%FF.css')).status, 400);
  assert.equal((await rawGet(s.url, '/users/%E0%A4%A')).status, 400);
  for (const target of [
    '/static/../../../../etc/passwd',
    '/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/static/..%2f..%2f..%2fetc/passwd',
    '/static/thumbs/../../../etc/passwd',
  ]) {
    const r = await rawGet(s.url, target);
    assert.ok(r.status === 400 || r.status === 404, `${target} answered ${r.status}`);
    assert.doesNotMatch(r.text, /root:/);
  }
  assert.equal((await request(s.url, '/users/999999')).status, 404);
  assert.equal((await request(s.url, '/no/such/page')).status, 404);
  assert.equal((await request(s.url, '/static/nope.css')).status, 404);

  await s.stop();
  await s.stop(); // idempotent
  for (const p of procs) {
    assert.equal(isAlive(p.pid), false, `${p.role} (pid ${p.pid}) still running`);
    // A CGI child killed with its group is reaped by init a moment later, not by its dead parent.
    const deadline = Date.now() + 5000;
    while (groupAlive(p.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(groupAlive(p.pid), false, `a child of ${p.role} outlived it`);
  }
  assert.deepEqual(s.processes(), []);
  // Script failures are logged by the host, one line each: show them, they explain any 5xx above.
  for (const f of readdirSync(s.runDir).filter((n) => n.endsWith('.log'))) {
    const lines = readFileSync(join(s.runDir, f), 'utf8').split('\n');
    for (const l of lines.filter((x) => /cgi-script:|bad script output/.test(x)).slice(0, 5))
      t.diagnostic(`${f}: ${l}`);
  }
  rmSync(s.runDir, { recursive: true, force: true });
}

/** The compiled script run as a CGI host runs it: meta-variables in a clean env, body on stdin. */
function runScript(
  env: Record<string, string>,
  stdin = '',
): { out: string; err: string; code: number | null } {
  const r = spawnSync(process.execPath, [distPath('cli', 'cgi-script.js')], {
    env: { PATH: '/usr/bin:/bin', SERVER_NAME: '127.0.0.1', SERVER_PORT: '80', ...env },
    input: stdin,
    timeout: 30_000,
  });
  return { out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8'), code: r.status };
}

describe('the CGI script (dist/cli/cgi-script.js)', () => {
  test('GET: a CGI response with Status, headers and the page', () => {
    const r = runScript({
      FK_DB: seededDb(),
      REQUEST_METHOD: 'GET',
      REQUEST_URI: '/users/2',
      CONTENT_LENGTH: '0',
    });
    assert.equal(r.code, 0);
    assert.match(r.out, /^Status: 200 OK\r\n/);
    assert.match(r.out, /\r\nContent-Type: text\/html; charset=utf-8\r\n/);
    assert.match(r.out, /\r\n\r\n<!doctype html>/i);
  });

  test('POST: reads CONTENT_LENGTH bytes of stdin; the login sets a cookie', () => {
    const body = 'user=3';
    const r = runScript(
      {
        FK_DB: seededDb(),
        REQUEST_METHOD: 'POST',
        REQUEST_URI: '/login',
        CONTENT_LENGTH: String(body.length),
        CONTENT_TYPE: 'application/x-www-form-urlencoded',
      },
      `${body}trailing bytes the host should not have sent`,
    );
    assert.match(r.out, /^Status: 303 See Other\r\n/);
    assert.match(r.out, /\r\nSet-Cookie: fk_session=[0-9a-f]{32}/);
    assert.match(r.out, /\r\nLocation: \/users\/3\r\n/);
  });

  test('an oversized body is 413 before the app is loaded', () => {
    const r = runScript({
      FK_DB: seededDb(),
      REQUEST_METHOD: 'POST',
      REQUEST_URI: '/login',
      CONTENT_LENGTH: '999999',
    });
    assert.match(r.out, /^Status: 413 /);
  });

  test('any failure is a plain 500: no stack to the client, one line to stderr', () => {
    const r = runScript({ REQUEST_METHOD: 'GET', REQUEST_URI: '/' });
    assert.equal(r.code, 0);
    assert.match(r.out, /^Status: 500 Internal Server Error\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
    assert.match(r.out, /\r\n\r\ninternal server error\n$/);
    const parsed = parseCgiResponse(Buffer.from(r.out));
    assert.ok(typeof parsed !== 'string');
    const length = parsed.headers.find(([k]) => k.toLowerCase() === 'content-length')?.[1];
    assert.equal(Number(length), parsed.body.length, 'the fallback states its length right');
    assert.match(r.err, /^flickr-killr cgi-script: FK_DB is not set/);
    assert.doesNotMatch(r.out + r.err, /\n\s+at /);
    const bad = runScript({ FK_DB: '/nonexistent/dir/fk.db', REQUEST_METHOD: 'GET', REQUEST_URI: '/' });
    assert.match(bad.out, /^Status: 500 /);
    assert.doesNotMatch(bad.out, /nonexistent/);
  });
});

describe('stage cgi', () => {
  test('definition: talk version 0.1; lighttpd is a prerequisite only for that host', () => {
    assert.equal(stage.talk?.version, '0.1');
    assert.deepEqual(stage.prerequisites({ db: { kind: 'sqlite', path: 'x' }, cgiHost: 'builtin' }), []);
    assert.deepEqual(stage.prerequisites({ db: { kind: 'sqlite', path: 'x' }, cgiHost: 'lighttpd' }), [
      { binary: 'lighttpd', debianPackage: 'lighttpd' },
    ]);
  });

  test('a missing database is E_DB_MISSING', async () => {
    const def = await loadStage('cgi');
    await assert.rejects(
      def.start({ db: { kind: 'sqlite', path: '/nonexistent/fk.db' }, cgiHost: 'builtin' }),
      {
        code: 'E_DB_MISSING',
      },
    );
  });

  test('under lighttpd with mod_cgi', async (t) => {
    const s = await startStage(t, 'cgi', { cgiHost: 'lighttpd' });
    if (!s) return;
    const conf = readFileSync(`${s.runDir}/lighttpd.conf`, 'utf8');
    assert.match(conf, /mod_cgi/);
    assert.ok(existsSync(`${s.runDir}/lighttpd.pid`), 'pid file in the run dir');
    await t.test('the app smoke suite through lighttpd', async (t2) => {
      await appSmokeCase(t2, rawHttpFetch(s.url), { servedBy: /^cgi-\d+$/ });
    });
    await exercise(t, s, 'lighttpd');
  });

  test('under the built-in CGI gateway', async (t) => {
    const s = await startStage(t, 'cgi', { cgiHost: 'builtin' });
    assert.ok(s, 'the built-in gateway needs no daemon');
    await t.test('the app smoke suite through the gateway', async (t2) => {
      await appSmokeCase(t2, rawHttpFetch(s.url), { servedBy: /^cgi-\d+$/ });
    });
    await exercise(t, s, 'cgi-gateway');
  });
});
