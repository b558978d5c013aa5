import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { runBench } from '../../src/bench/run.js';
import { runCli } from '../../src/cli/run.js';
import { freePort } from '../../src/daemons/free-port.js';
import { fakeIo } from '../helpers/fake-io.js';

/**
 * The generator against a local raw-TCP server with known behaviour per path (undici's standalone
 * server pattern): fixed latency, chunked, Connection: close, resets, garbage, an endless body,
 * a response cut short, a server that never answers, a page with assets, a login.
 */
const PAGE =
  '<html><link rel="stylesheet" href="/s.css"><script src="/a.js"></script><img src="/i.png"></html>';
let server: Server;
let base = '';
const sockets = new Set<Socket>();
const logins: string[] = [];
/** "METHOD /path body-length" of every request the server parsed. */
const seen: string[] = [];

function reply(sock: Socket, path: string, cookie: string | undefined, head = ''): void {
  const isHead = head.startsWith('HEAD ');
  const ok = (body: string, extra = '') =>
    sock.write(
      `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${isHead ? '' : body}`,
    );
  switch (path) {
    case '/fixed':
      setTimeout(() => ok('x'.repeat(1024), 'Server-Timing: db;dur=1.5\r\n'), 2);
      return;
    case '/chunked':
      sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n');
      setTimeout(() => sock.write('3\r\nefg\r\n0\r\n\r\n'), 1);
      return;
    case '/close':
      sock.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
      return;
    case '/reset':
      sock.resetAndDestroy();
      return;
    case '/garbage':
      sock.write('this is not HTTP at all\r\n\r\n');
      return;
    case '/endless': {
      sock.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
      const t = setInterval(
        () => (sock.destroyed ? clearInterval(t) : sock.write(Buffer.alloc(16 * 1024, 120))),
        1,
      );
      return;
    }
    case '/cut':
      sock.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b');
      return;
    case '/never':
      return;
    case '/page':
      ok(PAGE, 'Content-Type: text/html\r\n');
      return;
    case '/login':
      logins.push(path);
      sock.write(
        `HTTP/1.1 302 Found\r\nLocation: /\r\nSet-Cookie: sid=s${logins.length}\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    case '/cpage':
      ok('<html><link rel=stylesheet href="/c.css"></html>');
      return;
    case '/c.css':
      if (/\r\nif-none-match: "v1"/i.test(head))
        sock.write('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n');
      else ok('body{}', 'ETag: "v1"\r\n');
      return;
    case '/whoami':
      if (cookie !== undefined && /^sid=s\d+$/.test(cookie)) ok(cookie);
      else sock.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    default:
      if (path.startsWith('/s.') || path.startsWith('/a.') || path.startsWith('/i.')) ok('asset');
      else sock.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  }
}

before(async () => {
  server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) break;
        buf = buf.slice(end + 4 + len);
        const path = head.split(' ')[1] ?? '/';
        seen.push(`${head.split(' ')[0]} ${path} ${len}`);
        reply(sock, path, /\r\ncookie: ([^\r]*)/i.exec(head)?.[1], head);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const quick = { connections: 2, threads: 1, count: 20, timeoutMs: 2000 };

test('fixed latency: every request answered, ~2 ms each, Server-Timing averaged', async () => {
  const r = await runBench({ ...quick, urls: [`${base}/fixed`] });
  assert.equal(r.totals.requests, 20);
  assert.deepEqual(r.statusCodes, { '200': 20 });
  assert.deepEqual(r.errors, {});
  // The server cannot answer before its 2 ms timer (Node may fire it after ~1.3 ms of real time).
  assert.ok(r.latency.min >= 1000, `min ${r.latency.min} µs`);
  assert.deepEqual(r.serverTiming, { db: { count: 20, meanMs: 1.5 } });
  assert.ok(r.totals.bytes > 20 * 1024);
  assert.ok(r.generator.firstRequestMs >= 0 && r.generator.firstRequestMs < 300);
});

test('chunked bodies and Connection: close are normal responses, not errors', async () => {
  const r = await runBench({ ...quick, urls: [`${base}/chunked`, `${base}/close`] });
  assert.equal(r.totals.requests, 20);
  assert.deepEqual(r.errors, {});
});

test('resets, garbage, a cut body, an endless body and silence are counted by kind', async () => {
  const cases: [string, string, object][] = [
    ['/reset', 'reset', {}],
    ['/garbage', 'malformed', {}],
    ['/cut', 'closed', {}],
    ['/endless', 'body-too-large', { maxBodyBytes: 64 * 1024 }],
    ['/never', 'timeout', { count: 2, timeoutMs: 200 }],
  ];
  for (const [path, kind, extra] of cases) {
    const r = await runBench({ ...quick, ...extra, urls: [`${base}${path}`] });
    assert.equal(r.totals.requests, 0, path);
    assert.deepEqual(Object.keys(r.errors), [kind], `${path}: ${JSON.stringify(r.errors)}`);
    assert.equal(r.errors[kind], r.options.count, path);
  }
});

test('a URL list file: methods, bodies with ranges, HEAD without a body, lines in turn', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-bench-list-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const list = join(dir, 'urls.txt');
  writeFileSync(
    list,
    `# a comment\n\nHEAD ${base}/fixed\nPOST ${base}/fixed user={10..99}&x=1\n${base}/chunked\n`,
  );
  seen.length = 0;
  const r = await runBench({ ...quick, connections: 1, count: 6, urls: [], listFile: list });
  assert.deepEqual(r.statusCodes, { '200': 6 });
  assert.deepEqual(r.errors, {});
  assert.deepEqual(seen, [
    'HEAD /fixed 0',
    'POST /fixed 11',
    'GET /chunked 0',
    'HEAD /fixed 0',
    'POST /fixed 11',
    'GET /chunked 0',
  ]);
});

test('nothing listening: E_UNREACHABLE before the run', async () => {
  const port = await freePort();
  await assert.rejects(runBench({ ...quick, urls: [`http://127.0.0.1:${port}/`] }), {
    code: 'E_UNREACHABLE',
  });
});

test('browser mode: a page view is the page and its 3 assets; login cookies are per user', async () => {
  const r = await runBench({ ...quick, count: 10, page: true, urls: [`${base}/page`] });
  assert.equal(r.totals.pageViews, 10);
  assert.equal(r.totals.requests, 40);
  assert.equal(r.classes.page!.requests, 10);
  assert.equal(r.classes.asset!.requests, 30);
  assert.ok(r.pageLoad!.p50 >= r.classes.page!.latency.min);
  logins.length = 0;
  const l = await runBench({ ...quick, login: 'POST /login user={1..9}', urls: [`${base}/whoami`] });
  assert.deepEqual(l.logins, { ok: 2, failed: 0 });
  assert.equal(logins.length, 2);
  // /whoami answers 401 to a request without the session cookie the login set.
  assert.deepEqual(l.statusCodes, { '200': 20 });
});

test('--cache: a virtual user revalidates assets (304) instead of re-fetching them', async () => {
  const r = await runBench({
    ...quick,
    connections: 1,
    count: 5,
    page: true,
    cache: true,
    urls: [`${base}/cpage`],
  });
  assert.deepEqual(r.statusCodes, { '200': 6, '304': 4 }, 'the first view fetches, the next 4 revalidate');
  const nocache = await runBench({ ...quick, connections: 1, count: 5, page: true, urls: [`${base}/cpage`] });
  assert.deepEqual(nocache.statusCodes, { '200': 10 }, 'default: every view loads every asset');
});

test('two worker threads merge exactly; the result validates against its JSON Schema', async () => {
  const r = await runBench({ ...quick, threads: 2, count: 40, urls: [`${base}/fixed`] });
  assert.equal(r.generator.threads, 2);
  assert.equal(r.totals.requests, 40);
  assert.equal(r.histograms.latency.count, 40);
  assert.equal(r.generator.elu.length, 2);
  assert.equal(r.generator.threadCpu.length, 2);
  assert.ok(
    r.generator.threadCpu.every((c) => c >= 0 && c <= 1.5),
    `${r.generator.threadCpu}`,
  );
  const schema = JSON.parse(
    readFileSync(new URL('../../schemas/bench-result.schema.json', import.meta.url), 'utf8'),
  );
  const validate = new Ajv({ allErrors: true, validateFormats: false }).compile(schema);
  const doc: Record<string, unknown> = JSON.parse(JSON.stringify(r));
  assert.ok(validate(doc), JSON.stringify(validate.errors));
  const page = await runBench({ ...quick, page: true, urls: [`${base}/page`] });
  assert.ok(validate(JSON.parse(JSON.stringify(page))), JSON.stringify(validate.errors));
  assert.equal(validate({ ...doc, schemaVersion: 2 }), false);
});

test('CLI: summary, --json, then bench compare; bad input is one line with a code', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-bench-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const io = fakeIo();
  const code = await runCli(
    ['bench', '-c', '2', '-t', '1', '-n', '30', '--json', join(dir, 'a.json'), `${base}/fixed`],
    io,
  );
  assert.equal(code, 0, io.err.join(''));
  const text = io.out.join('');
  assert.match(text, /requests\/s/);
  assert.match(text, /p99/);
  assert.match(text, /status codes\s+200: 30/);
  writeFileSync(join(dir, 'b.json'), readFileSync(join(dir, 'a.json')));
  const io2 = fakeIo();
  assert.equal(await runCli(['bench', 'compare', join(dir, 'a.json'), join(dir, 'b.json')], io2), 0);
  assert.match(io2.out.join(''), /requests\/s .* =/);
  writeFileSync(join(dir, 'bad.json'), '{"hello": 1}');
  const io3 = fakeIo();
  assert.equal(await runCli(['bench', 'compare', join(dir, 'a.json'), join(dir, 'bad.json')], io3), 1);
  assert.match(io3.err.join(''), /\[E_BAD_RESULT\]/);
  const io4 = fakeIo();
  assert.equal(await runCli(['bench', 'http://127.0.0.1:1/{9..1}'], io4), 1);
  assert.match(io4.err.join(''), /\[E_BAD_TEMPLATE\]/);
  const io5 = fakeIo();
  assert.equal(await runCli(['bench', '--json', join(dir, 'no/such/dir.json'), `${base}/fixed`], io5), 2);
  assert.match(io5.err.join(''), /cannot write --json .*ENOENT \[E_USAGE\]/);
  const io6 = fakeIo();
  assert.equal(await runCli(['bench', '-c', 'many', `${base}/fixed`], io6), 2);
  assert.match(io6.err.join(''), /--connections must be a whole number/);
});

test('CLI: a live progress line on a terminal, none otherwise', async () => {
  const io = { ...fakeIo(), isTTY: true };
  assert.equal(await runCli(['bench', '-c', '2', '-t', '1', '-d', '1.2s', `${base}/fixed`], io), 0);
  assert.match(io.err.join(''), /\r\x1b\[K +\d+\.\ds +\d+ responses +[\d,.]+ req\/s +0 errors/);
  const quiet = fakeIo();
  assert.equal(await runCli(['bench', '-c', '2', '-t', '1', '-n', '10', `${base}/fixed`], quiet), 0);
  assert.deepEqual(quiet.err, []);
});

test('compiled CLI: two worker threads from dist/ (build first), JSON result on disk', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-bench-dist-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const main = new URL('../../dist/cli/main.js', import.meta.url);
  const out = join(dir, 'r.json');
  // Asynchronously: the test server answering it lives in this process's event loop.
  await promisify(execFile)(
    process.execPath,
    [main.pathname, 'bench', '-t', '2', '-c', '4', '-n', '200', '--json', out, `${base}/fixed`],
    { timeout: 60_000 },
  );
  const r = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(r.totals.requests, 200);
  assert.equal(r.generator.elu.length, 2);
  assert.ok(r.generator.firstRequestMs < 300, `first request after ${r.generator.firstRequestMs} ms`);
});

test('CLI: an aborted run (Ctrl-C) stops early, prints the summary, exits 130, writes no --json', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-bench-abort-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'r.json');
  writeFileSync(out, 'previous result\n');
  const controller = new AbortController();
  const io = { ...fakeIo(), signal: controller.signal };
  setTimeout(() => controller.abort(), 300);
  const code = await runCli(['bench', '-c', '2', '-t', '1', '-d', '60s', '--json', out, `${base}/fixed`], io);
  assert.equal(code, 130);
  assert.match(io.out.join(''), /requests\/s/);
  assert.equal(
    readFileSync(out, 'utf8'),
    'previous result\n',
    'an interrupted run leaves the file as it was',
  );
  assert.deepEqual(readdirSync(dir), ['r.json'], 'no temp file left behind');
});

test('CLI: --json - puts the JSON document alone on stdout, the summary on stderr', async () => {
  const io = fakeIo();
  assert.equal(
    await runCli(['bench', '-c', '2', '-t', '1', '-n', '10', '--json', '-', `${base}/fixed`], io),
    0,
  );
  const doc = JSON.parse(io.out.join(''));
  assert.equal(doc.totals.requests, 10);
  assert.match(io.err.join(''), /requests\/s/);
});

test('CLI: --json FILE replaces the file only once a run completed; a failed start keeps it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-bench-json-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'r.json');
  writeFileSync(out, 'previous result\n');
  const port = await freePort();
  const io = fakeIo();
  assert.equal(await runCli(['bench', '-n', '5', '--json', out, `http://127.0.0.1:${port}/`], io), 1);
  assert.match(io.err.join(''), /\[E_UNREACHABLE\]/);
  assert.equal(readFileSync(out, 'utf8'), 'previous result\n');
  assert.deepEqual(readdirSync(dir), ['r.json']);
  assert.equal(
    await runCli(['bench', '-c', '1', '-t', '1', '-n', '5', '--json', out, `${base}/fixed`], fakeIo()),
    0,
  );
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).totals.requests, 5);
  assert.deepEqual(readdirSync(dir), ['r.json']);
});

test('CLI: --expect prints each check with its value; one failing exits 99, the JSON carries them', async () => {
  const io = fakeIo();
  const code = await runCli(
    [
      'bench',
      '-c',
      '2',
      '-t',
      '1',
      '-n',
      '20',
      '--expect',
      'p99<10s, errors<0.1%, rate>1e9',
      '--json',
      '-',
      `${base}/fixed`,
    ],
    io,
  );
  assert.equal(code, 1, 'rate>1e9 is not a number this grammar takes');
  assert.match(io.err.join(''), /\[E_BAD_THRESHOLD\]/);
  const io2 = fakeIo();
  const code2 = await runCli(
    [
      'bench',
      '-c',
      '2',
      '-t',
      '1',
      '-n',
      '20',
      '--expect',
      'p99<10s, errors<0.1%, rate>1000000000',
      '--json',
      '-',
      `${base}/fixed`,
    ],
    io2,
  );
  assert.equal(code2, 99);
  const doc = JSON.parse(io2.out.join(''));
  assert.deepEqual(
    doc.thresholds.map((x: { threshold: string; ok: boolean }) => [x.threshold, x.ok]),
    [
      ['p99<10s', true],
      ['errors<0.1%', true],
      ['rate>1000000000', false],
    ],
  );
  assert.match(io2.err.join(''), /pass {2}p99<10s +measured [\d.]+ms/);
  assert.match(io2.err.join(''), /FAIL {2}rate>1000000000 +measured [\d,.]+\/s/);
  const io3 = fakeIo();
  assert.equal(
    await runCli(['bench', '-c', '1', '-t', '1', '-n', '5', '--expect', 'page.p99<1s', `${base}/fixed`], io3),
    1,
  );
  assert.match(io3.err.join(''), /class 'page' needs --page \[E_BAD_THRESHOLD\]/);
});

test('CLI: a run where every request failed exits 98 and says so', async () => {
  const io = fakeIo();
  assert.equal(await runCli(['bench', '-c', '1', '-t', '1', '-n', '5', `${base}/reset`], io), 98);
  assert.match(io.err.join(''), /every request failed \(5 of 5\)/);
  const io2 = fakeIo();
  assert.equal(
    await runCli(['bench', '-c', '1', '-t', '1', '-n', '5', `${base}/missing`], io2),
    98,
    'all 404',
  );
});

test('CLI: --repeat 3 reports median and min-max; the JSON holds every run and the merge', async () => {
  const io = fakeIo();
  const code = await runCli(
    [
      'bench',
      '-c',
      '2',
      '-t',
      '1',
      '-n',
      '20',
      '--repeat',
      '3',
      '--expect',
      'p99<10s',
      '--json',
      '-',
      `${base}/fixed`,
    ],
    io,
  );
  assert.equal(code, 0, io.err.join(''));
  const doc = JSON.parse(io.out.join(''));
  assert.equal(doc.repeat.count, 3);
  assert.equal(doc.repeat.runs.length, 3);
  assert.equal(doc.totals.requests, 60, 'the top level is all runs merged');
  const rates = doc.repeat.runs.map((r: { rates: { requestsPerS: number } }) => r.rates.requestsPerS);
  assert.equal(doc.repeat.figures.requestsPerS.min, Math.min(...rates));
  assert.equal(doc.repeat.figures.requestsPerS.max, Math.max(...rates));
  assert.equal(doc.repeat.figures.requestsPerS.median, [...rates].sort((a, b) => a - b)[1]);
  const err = io.err.join('');
  assert.match(err, /run 1\/3: .* req\/s/);
  assert.match(err, /run 3\/3: /);
  assert.match(err, /over 3 runs +median +min – max/);
  assert.match(err, /requests\/s +[\d,.]+ +[\d,.]+ – [\d,.]+/);
  const schema = JSON.parse(
    readFileSync(new URL('../../schemas/bench-result.schema.json', import.meta.url), 'utf8'),
  );
  const validate = new Ajv({ allErrors: true, validateFormats: false }).compile(schema);
  assert.ok(validate(doc), JSON.stringify(validate.errors));
});
