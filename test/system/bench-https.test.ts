import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { runBench } from '../../src/bench/run.js';
import { runCli } from '../../src/cli/run.js';
import { freePort } from '../../src/daemons/free-port.js';
import { fakeIo } from '../helpers/fake-io.js';
import { requireServer } from '../helpers/prereq.js';

/**
 * The benchmarker against a real TLS server: our own nginx on loopback with a self-signed
 * certificate made by openssl into a temp dir. Checks what a browser would do: verify the
 * certificate (or not, with --insecure), send SNI and ALPN http/1.1, resume its TLS session on
 * its next connections (TLS 1.3 tickets, TLS 1.2 session tickets), and tell a plain-HTTP port
 * from a TLS one.
 */
interface Nginx {
  ports: Record<string, number>;
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port}`);
}

async function startNginx(t: TestContext): Promise<Nginx | undefined> {
  const nginx = requireServer(t, 'nginx', 'nginx');
  const openssl = requireServer(t, 'openssl', 'openssl');
  if (nginx === undefined || openssl === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fk-bench-https-'));
  // nginx started as root runs its worker as nobody: the document root must be readable to it.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'html'), { mode: 0o755 });
  writeFileSync(join(dir, 'html', 'x.txt'), 'x'.repeat(1024), { mode: 0o644 });
  writeFileSync(join(dir, 'html', 'page.html'), '<link rel=stylesheet href="s.css"><img src="x.txt">', {
    mode: 0o644,
  });
  writeFileSync(join(dir, 'html', 's.css'), 'body{background:url(x.txt)} @font-face{src:url(f.woff2)}', {
    mode: 0o644,
  });
  writeFileSync(join(dir, 'html', 'f.woff2'), 'font', { mode: 0o644 });
  execFileSync(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const names = ['keepalive', 'close13', 'close12', 'sni', 'plain'];
  const ports: Record<string, number> = {};
  for (const n of names) ports[n] = await freePort();
  const ssl = `ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  ${ssl}
  root ${dir}/html;
  server { listen 127.0.0.1:${ports.keepalive} ssl;
    location /alpn { if ($ssl_alpn_protocol != "http/1.1") { return 426; } return 200 "alpn ok"; } }
  server { listen 127.0.0.1:${ports.close13} ssl; ssl_protocols TLSv1.3; keepalive_timeout 0; }
  server { listen 127.0.0.1:${ports.close12} ssl; ssl_protocols TLSv1.2; keepalive_timeout 0; }
  server { listen 127.0.0.1:${ports.sni} ssl default_server; return 421; }
  server { listen 127.0.0.1:${ports.sni} ssl; server_name localhost; return 200 "sni ok"; }
  server { listen 127.0.0.1:${ports.plain}; }
}
`,
  );
  const proc: ChildProcess = spawn(
    nginx,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    {
      stdio: 'ignore',
    },
  );
  t.after(async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  for (const n of names) await waitPort(ports[n]!);
  return { ports };
}

test('https against our own nginx with a self-signed certificate', { timeout: 60_000 }, async (t) => {
  const ng = await startNginx(t);
  if (ng === undefined) return;
  const url = (name: string, path = '/x.txt', host = '127.0.0.1') =>
    `https://${host}:${ng.ports[name]}${path}`;
  const quick = { connections: 2, threads: 1, count: 40, timeoutMs: 5000 };

  await t.test('a certificate that does not verify is E_TLS before the run, naming --insecure', async () => {
    const io = fakeIo();
    assert.equal(await runCli(['bench', '-n', '5', url('keepalive')], io), 1);
    assert.match(
      io.err.join(''),
      /TLS handshake with https:\/\/127\.0\.0\.1:\d+ failed: self-signed certificate .*--insecure \[E_TLS\]/,
    );
  });

  await t.test(
    '--insecure: every request answered over keep-alive, one full handshake per connection',
    async () => {
      const r = await runBench({
        ...quick,
        insecure: true,
        urls: [url('keepalive'), url('keepalive', '/alpn')],
      });
      assert.deepEqual(r.statusCodes, { '200': 40 }, 'ALPN offered http/1.1 (nginx answers 426 otherwise)');
      assert.deepEqual(r.errors, {});
      assert.equal(r.tls!.handshakes, 2);
      assert.equal(r.tls!.resumed, 0);
      assert.ok(r.tls!.handshake.p50 > 0);
    },
  );

  for (const [name, version] of [
    ['close13', 'TLS 1.3'],
    ['close12', 'TLS 1.2'],
  ] as const)
    await t.test(
      `${version}, a new connection per request: each virtual user resumes its session`,
      async () => {
        const r = await runBench({ ...quick, insecure: true, urls: [url(name)] });
        assert.deepEqual(r.statusCodes, { '200': 40 });
        assert.deepEqual(r.errors, {});
        assert.equal(r.tls!.handshakes, 40);
        // Only each user's first connection pays a full handshake.
        assert.equal(r.tls!.resumed, 40 - quick.connections);
      },
    );

  await t.test(
    'SNI carries the host name (a name-based server answers), none for an IP literal',
    async () => {
      const byName = await runBench({
        ...quick,
        count: 4,
        insecure: true,
        urls: [url('sni', '/', 'localhost')],
      });
      assert.deepEqual(byName.statusCodes, { '200': 4 });
      const byIp = await runBench({ ...quick, count: 4, insecure: true, urls: [url('sni')] });
      assert.deepEqual(byIp.statusCodes, { '421': 4 }, 'the default server: no SNI was sent');
    },
  );

  await t.test('https:// to a plain-HTTP port is E_TLS with a hint', async () => {
    await assert.rejects(
      runBench({ ...quick, insecure: true, urls: [url('plain')] }),
      (e: Error & { code: string }) => {
        assert.equal(e.code, 'E_TLS');
        assert.match(e.message, /is that port speaking plain HTTP\? use http:\/\//);
        return true;
      },
    );
  });

  await t.test('browser mode over TLS on two threads: page, stylesheet and what it names', async () => {
    const io = fakeIo();
    const code = await runCli(
      [
        'bench',
        '--insecure',
        '--page',
        '-c',
        '2',
        '-t',
        '2',
        '-n',
        '10',
        '--expect',
        'load.p99<5s',
        '--json',
        '-',
        url('keepalive', '/page.html'),
      ],
      io,
    );
    assert.equal(code, 0, io.err.join(''));
    const doc = JSON.parse(io.out.join(''));
    assert.equal(doc.options.insecure, true);
    assert.equal(doc.totals.pageViews, 10);
    // page.html, s.css, x.txt (named by the page and by the stylesheet: once), f.woff2.
    assert.equal(doc.totals.requests, 40);
    assert.deepEqual(doc.statusCodes, { '200': 40 });
    assert.ok(doc.tls.handshakes >= 2, 'two worker threads merge their TLS phases');
    assert.equal(doc.thresholds[0].ok, true);
  });
});
