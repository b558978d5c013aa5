import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Asset, AssetSource } from '../../src/assets/asset-source.js';
import { runCli } from '../../src/cli/run.js';
import { distPath } from '../../src/paths.js';
import { type CgiGateway, createCgiGateway } from '../../src/server/cgi/gateway.js';

// A fake CGI script (plain JS, run by the real node as the gateway runs the real one): its
// behaviour is chosen by the request path, so every way a script can misbehave is exercised.
const FAKE_SCRIPT = `
import { writeFileSync } from 'node:fs';
const env = process.env;
const path = env.PATH_INFO;
const chunks = [];
if (Number(env.CONTENT_LENGTH) > 0) for await (const c of process.stdin) chunks.push(c);
const body = Buffer.concat(chunks).toString();
const out = (s) => process.stdout.write(s);
if (path === '/echo') {
  const json = JSON.stringify({ env, body });
  out('Status: 201 Created\\r\\nContent-Type: application/json\\r\\nSet-Cookie: a=1\\r\\nSet-Cookie: b=2\\r\\n\\r\\n' + json);
} else if (path === '/garbage') {
  out('this is not a CGI response');
} else if (path === '/silent') {
  process.exitCode = 3;
} else if (path === '/crash') {
  throw new Error('boom from the script');
} else if (path === '/slow') {
  writeFileSync(env.FK_MARKER, 'started');
  setTimeout(() => out('Content-Type: text/plain\\n\\nslow done'), 60_000);
} else if (path === '/lf') {
  out('Content-Type: text/plain\\nX-Lf: yes\\n\\nlf body');
} else {
  out('Status: 404 Not Found\\r\\nContent-Type: text/plain\\r\\n\\r\\nscript 404 for ' + env.REQUEST_URI);
}
`;

class FakeAssets implements AssetSource {
  async get(rel: string): Promise<Asset | undefined> {
    if (rel !== 'site.css') return undefined;
    return {
      path: '/static/site.css',
      body: Buffer.from('body{color:red}'),
      contentType: 'text/css; charset=utf-8',
      etag: '"abc"',
      lastModified: new Date(0),
    };
  }
  async close(): Promise<void> {}
}

/** One raw HTTP/1.1 exchange (Connection: close), so that odd targets reach the server unchanged. */
function raw(port: number, request: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(request));
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      resolve({
        status: Number(text.slice(9, 12)),
        head: text.slice(0, split),
        body: text.slice(split + 4),
      });
    });
  });
}

const get = (port: number, target: string, extra = '') =>
  raw(port, `GET ${target} HTTP/1.1\r\nHost: t\r\n${extra}Connection: close\r\n\r\n`);

describe('cgi gateway', () => {
  let dir: string;
  let gw: CgiGateway;
  let port: number;
  const logged: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fk-cgi-gw-'));
    writeFileSync(join(dir, 'fake.mjs'), FAKE_SCRIPT);
    gw = createCgiGateway({
      scriptPath: join(dir, 'fake.mjs'),
      scriptEnv: { FK_DB: '/data/x.db', FK_MARKER: join(dir, 'marker') },
      assets: new FakeAssets(),
      maxChildren: 1,
      maxQueue: 0,
      timeoutMs: 1500,
      log: (l) => logged.push(l),
    });
    port = Number(new URL(await gw.listen(0, '127.0.0.1')).port);
  });
  after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the script gets a clean RFC 3875 environment and the body on stdin', async () => {
    const body = 'name=alice&x=%41';
    const res = await raw(
      port,
      `POST /echo?q=%41 HTTP/1.1\r\nHost: t\r\nCookie: s=1\r\nCookie: t=2\r\nX-Two-Words: v\r\n` +
        `Proxy: http://evil\r\nX_Under: no\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    assert.equal(res.status, 201);
    assert.match(res.head, /\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n/i, 'repeated Set-Cookie kept');
    const { env, body: seen } = JSON.parse(res.body) as { env: Record<string, string>; body: string };
    assert.equal(seen, body);
    assert.equal(env.GATEWAY_INTERFACE, 'CGI/1.1');
    assert.equal(env.REQUEST_METHOD, 'POST');
    assert.equal(env.REQUEST_URI, '/echo?q=%41');
    assert.equal(env.PATH_INFO, '/echo');
    assert.equal(env.SCRIPT_NAME, '');
    assert.equal(env.QUERY_STRING, 'q=%41');
    assert.equal(env.SERVER_PROTOCOL, 'HTTP/1.1');
    assert.equal(env.SERVER_PORT, String(port));
    assert.equal(env.CONTENT_LENGTH, String(body.length));
    assert.equal(env.CONTENT_TYPE, 'application/x-www-form-urlencoded');
    assert.equal(env.HTTP_COOKIE, 's=1; t=2');
    assert.equal(env.HTTP_X_TWO_WORDS, 'v');
    assert.equal(env.HTTP_HOST, 't');
    assert.equal(env.FK_DB, '/data/x.db');
    assert.ok(env.PATH?.includes('/usr/bin'));
    assert.equal(env.HTTP_PROXY, undefined, 'httpoxy');
    assert.equal(env.HTTP_X_UNDER, undefined, 'header names with _ are dropped');
    assert.equal(env.HTTP_CONTENT_LENGTH, undefined);
    // nothing of the gateway's own environment leaks (NODE_EXTRA_CA_CERTS doubles node start-up)
    for (const key of Object.keys(env))
      assert.ok(!key.startsWith('NODE_') && key !== 'HOME' && key !== 'npm_lifecycle_event', key);
  });

  test('a bad percent-encoding still reaches the script raw in REQUEST_URI', async () => {
    const res = await get(port, '/static/%FF.css');
    assert.equal(res.status, 404);
    assert.equal(res.body, 'script 404 for /static/%FF.css');
  });

  test('plain /static/ names are served by the gateway; others go to the script', async () => {
    const css = await get(port, '/static/site.css?v=2');
    assert.equal(css.status, 200);
    assert.match(css.head, /\r\nContent-Type: text\/css; charset=utf-8\r\n/i);
    assert.match(css.head, /\r\nETag: "abc"\r\n/i);
    assert.equal(css.body, 'body{color:red}');
    assert.equal((await get(port, '/static/site.css', 'If-None-Match: "abc"\r\n')).status, 304);
    const missing = await get(port, '/static/nope.css');
    assert.equal(missing.body, 'script 404 for /static/nope.css', 'unknown files: the app answers');
    const dots = await get(port, '/static/../etc/passwd');
    assert.equal(dots.body, 'script 404 for /static/../etc/passwd');
  });

  test('LF-only script output is accepted', async () => {
    const res = await get(port, '/lf');
    assert.equal(res.status, 200);
    assert.match(res.head, /\r\nX-Lf: yes\r\n/i);
    assert.equal(res.body, 'lf body');
  });

  test('malformed, empty or crashed scripts give 502, logged without failing the server', async () => {
    for (const path of ['/garbage', '/silent', '/crash']) {
      const res = await get(port, path);
      assert.equal(res.status, 502, path);
      assert.doesNotMatch(res.body, /boom|at /, 'no script internals to the client');
    }
    assert.ok(logged.some((l) => l.includes('boom from the script')));
    assert.ok(logged.some((l) => l.includes('bad script output')));
  });

  test('a script that runs too long is killed: 504', async () => {
    const res = await get(port, '/slow');
    assert.equal(res.status, 504);
    assert.ok(logged.some((l) => l.includes('killed after 1500 ms')));
  });

  test('with every slot busy and no queue, new requests get 503 at once', async () => {
    rmSync(join(dir, 'marker'), { force: true });
    const slow = get(port, '/slow');
    while (!existsSync(join(dir, 'marker'))) await new Promise((r) => setTimeout(r, 10));
    const busy = await get(port, '/echo');
    assert.equal(busy.status, 503);
    assert.match(busy.head, /\r\nRetry-After: 1\r\n/i);
    assert.equal((await slow).status, 504);
    assert.equal((await get(port, '/lf')).status, 200, 'the slot is free again');
  });

  test('oversized bodies get 413 without running the script', async () => {
    const big = 'x'.repeat(5000);
    const res = await raw(
      port,
      `POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: ${big.length}\r\nConnection: close\r\n\r\n${big}`,
    );
    assert.equal(res.status, 413);
  });

  test('garbage on the wire gets 400 and the server keeps serving', async () => {
    const res = await raw(port, 'THIS IS NOT HTTP\r\n\r\n');
    assert.equal(res.status, 400);
    const long = await get(port, `/${'a'.repeat(3000)}`);
    assert.equal(long.status, 414);
    assert.equal((await get(port, '/lf')).status, 200);
  });
});

describe('flickr-killr cgi-gateway (the command)', () => {
  function io(signal: AbortSignal) {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        stdout: (t: string) => out.push(t),
        stderr: (t: string) => err.push(t),
        isTTY: false,
        env: {},
        cwd: process.cwd(),
        signal,
      },
    };
  }

  test('needs --db, and an existing one', async () => {
    const a = io(new AbortController().signal);
    assert.equal(await runCli(['cgi-gateway'], a.io), 2);
    assert.match(a.err.join(''), /needs --db PATH\|URL \[E_USAGE\]/);
    const b = io(new AbortController().signal);
    assert.equal(await runCli(['cgi-gateway', '--db', '/nonexistent/fk.db'], b.io), 1);
    assert.match(b.err.join(''), /\[E_DB_MISSING\]/);
  });

  test('prints where it listens and stops when aborted', async (t) => {
    if (!existsSync(distPath('cli', 'cgi-script.js'))) {
      t.skip('needs a build: npx tsc -p tsconfig.build.json');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'fk-cgi-cmd-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'fk.db'), ''); // only its existence is checked before listening
    const ac = new AbortController();
    const c = io(ac.signal);
    const done = runCli(['cgi-gateway', '--db', join(dir, 'fk.db'), '--port', '0'], c.io);
    while (c.out.length === 0) await new Promise((r) => setTimeout(r, 10));
    const m = /^listening (http:\/\/127\.0\.0\.1:(\d+))\n$/.exec(c.out[0]!);
    assert.ok(m, c.out[0]);
    ac.abort();
    assert.equal(await done, 0);
    await assert.rejects(fetch(m[1]!), 'closed after abort');
  });
});
