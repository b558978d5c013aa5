import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cgiEnvFor,
  cgiResponse,
  contentLengthOf,
  headersFromCgiEnv,
  parseCgiResponse,
  requestFromCgiEnv,
  requestTargetFromCgiEnv,
} from '../../../src/server/cgi/protocol.js';

// What lighttpd 1.4.69 actually set for `GET /users/1?x=%41b` after the stage's rewrite (captured
// with a script that printed its environment).
const LIGHTTPD_ENV = {
  CONTENT_LENGTH: '0',
  QUERY_STRING: 'x=Ab&y=1',
  REQUEST_URI: '/users/1?x=%41b&y=1',
  REDIRECT_URI: '/cgi-script.js/users/1?x=Ab&y=1',
  SCRIPT_NAME: '/cgi-script.js',
  PATH_INFO: '/users/1',
  REQUEST_METHOD: 'GET',
  SERVER_PROTOCOL: 'HTTP/1.1',
  GATEWAY_INTERFACE: 'CGI/1.1',
  SERVER_PORT: '18931',
  SERVER_NAME: '127.0.0.1',
  REMOTE_ADDR: '127.0.0.1',
  HTTP_HOST: '127.0.0.1:18931',
  HTTP_USER_AGENT: 'curl/7.88.1',
  HTTP_COOKIE: 'a=1; fk_session=abc',
  HTTP_X_FOO: 'bar',
  FK_DB: '/tmp/x.db',
};

describe('requestTargetFromCgiEnv', () => {
  test('prefers REQUEST_URI: still percent-encoded, unlike PATH_INFO', () => {
    assert.equal(requestTargetFromCgiEnv(LIGHTTPD_ENV), '/users/1?x=%41b&y=1');
    assert.equal(
      requestTargetFromCgiEnv({ REQUEST_URI: '/static/%FF.css', PATH_INFO: '/static/\uFFFD.css' }),
      '/static/%FF.css',
    );
  });

  test('absolute-form REQUEST_URI keeps only path and query', () => {
    assert.equal(requestTargetFromCgiEnv({ REQUEST_URI: 'http://example.com/a/b?c=1' }), '/a/b?c=1');
    assert.equal(requestTargetFromCgiEnv({ REQUEST_URI: 'http://example.com' }), '/');
    assert.equal(requestTargetFromCgiEnv({ REQUEST_URI: 'http://example.com?q' }), '/?q');
  });

  test('without REQUEST_URI: SCRIPT_NAME + PATH_INFO re-encoded, then QUERY_STRING', () => {
    assert.equal(
      requestTargetFromCgiEnv({ SCRIPT_NAME: '', PATH_INFO: '/users/7', QUERY_STRING: '' }),
      '/users/7',
    );
    assert.equal(
      requestTargetFromCgiEnv({ SCRIPT_NAME: '/app', PATH_INFO: '/users/7', QUERY_STRING: 'a=1' }),
      '/app/users/7?a=1',
    );
    assert.equal(requestTargetFromCgiEnv({ PATH_INFO: '/a b/é' }), '/a%20b/%C3%A9');
    // decoded '?', '#' and '%' were data: they must not become delimiters or escapes again
    assert.equal(requestTargetFromCgiEnv({ PATH_INFO: '/what?/x#y/100%' }), '/what%3F/x%23y/100%25');
    assert.equal(requestTargetFromCgiEnv({}), '/');
    assert.equal(requestTargetFromCgiEnv({ REQUEST_URI: '', PATH_INFO: '/x' }), '/x');
  });
});

describe('headersFromCgiEnv', () => {
  test('HTTP_* become lower-case dashed names; other variables are not headers', () => {
    const h = headersFromCgiEnv(LIGHTTPD_ENV);
    assert.equal(h.host, '127.0.0.1:18931');
    assert.equal(h['user-agent'], 'curl/7.88.1');
    assert.equal(h.cookie, 'a=1; fk_session=abc');
    assert.equal(h['x-foo'], 'bar');
    assert.equal(h['fk-db'], undefined);
    assert.equal(h['request-uri'], undefined);
    assert.equal(h['content-length'], undefined, 'CONTENT_LENGTH=0 on a GET is not a header');
  });

  test('CONTENT_TYPE and a non-zero CONTENT_LENGTH are headers', () => {
    const h = headersFromCgiEnv({ CONTENT_TYPE: 'application/x-www-form-urlencoded', CONTENT_LENGTH: '12' });
    assert.equal(h['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(h['content-length'], '12');
  });

  test('host falls back to SERVER_NAME and SERVER_PORT', () => {
    assert.equal(headersFromCgiEnv({ SERVER_NAME: 'a.test', SERVER_PORT: '8080' }).host, 'a.test:8080');
    assert.equal(headersFromCgiEnv({ SERVER_NAME: 'a.test', SERVER_PORT: '80' }).host, 'a.test');
  });

  test('a bare HTTP_ variable is ignored', () => {
    assert.deepEqual(headersFromCgiEnv({ HTTP_: 'x' }), {});
  });
});

test('contentLengthOf accepts plain decimals only', () => {
  assert.equal(contentLengthOf({ CONTENT_LENGTH: '42' }), 42);
  assert.equal(contentLengthOf({ CONTENT_LENGTH: '0' }), 0);
  for (const bad of ['', '-1', '1e3', ' 4', '0x10', '9999999999999999999'])
    assert.equal(contentLengthOf({ CONTENT_LENGTH: bad }), undefined, bad);
  assert.equal(contentLengthOf({}), undefined);
});

describe('requestFromCgiEnv', () => {
  test('a GET through lighttpd', () => {
    const req = requestFromCgiEnv(LIGHTTPD_ENV, Buffer.alloc(0));
    assert.equal(req.method, 'GET');
    assert.equal(req.url, '/users/1?x=%41b&y=1');
    assert.equal(req.body.length, 0);
  });

  test('a POST keeps exactly CONTENT_LENGTH bytes of stdin', () => {
    const req = requestFromCgiEnv(
      { REQUEST_METHOD: 'POST', REQUEST_URI: '/login', CONTENT_LENGTH: '8', CONTENT_TYPE: 'text/plain' },
      Buffer.from('name=bobEXTRA'),
    );
    assert.equal(req.method, 'POST');
    assert.equal(req.body.toString(), 'name=bob');
    assert.equal(req.headers['content-length'], '8');
  });

  test('no CONTENT_LENGTH means no body; method defaults to GET', () => {
    const req = requestFromCgiEnv({ PATH_INFO: '/' }, Buffer.from('stray'));
    assert.equal(req.method, 'GET');
    assert.equal(req.body.length, 0);
  });
});

describe('cgiResponse', () => {
  test('Status line first, headers, blank line, body; Content-Length added', () => {
    const out = cgiResponse({
      status: 404,
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
      body: 'héllo',
    });
    assert.equal(
      out.toString('utf8'),
      'Status: 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 6\r\n\r\nhéllo',
    );
  });

  test('Set-Cookie is repeated, never folded', () => {
    const out = cgiResponse({
      status: 303,
      headers: { Location: '/users/3', 'Set-Cookie': ['a=1; Path=/', 'b=2; HttpOnly'] },
      body: '',
    }).toString();
    assert.match(out, /^Status: 303 See Other\r\n/);
    assert.match(out, /\r\nSet-Cookie: a=1; Path=\/\r\nSet-Cookie: b=2; HttpOnly\r\n/);
    assert.match(out, /\r\nLocation: \/users\/3\r\n/);
    assert.ok(out.endsWith('Content-Length: 0\r\n\r\n'));
  });

  test("the app's own Content-Length is kept; a Status header from the app is not repeated", () => {
    const out = cgiResponse({
      status: 200,
      headers: { 'content-length': '3', Status: '500' },
      body: Buffer.from('abc'),
    });
    assert.equal(out.toString(), 'Status: 200 OK\r\ncontent-length: 3\r\n\r\nabc');
  });

  test('binary bodies pass untouched', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]);
    const out = cgiResponse({ status: 200, headers: { 'Content-Type': 'image/png' }, body: png });
    assert.deepEqual(out.subarray(out.length - png.length), png);
  });

  test('unknown statuses still get a reason phrase', () => {
    assert.match(
      cgiResponse({ status: 418, headers: {}, body: '' }).toString(),
      /^Status: 418 Client Error\r\n/,
    );
  });

  test('response splitting and invalid statuses are refused', () => {
    assert.throws(
      () => cgiResponse({ status: 200, headers: { 'X-A': 'ok\r\nSet-Cookie: evil=1' }, body: '' }),
      {
        code: 'E_INTERNAL',
      },
    );
    assert.throws(() => cgiResponse({ status: 200, headers: { 'Bad Name': 'x' }, body: '' }), {
      code: 'E_INTERNAL',
    });
    assert.throws(() => cgiResponse({ status: 200, headers: { 'Set-Cookie': ['a=1', 'b\n=2'] }, body: '' }), {
      code: 'E_INTERNAL',
    });
    assert.throws(() => cgiResponse({ status: 99, headers: {}, body: '' }), { code: 'E_INTERNAL' });
    assert.throws(() => cgiResponse({ status: 200.5, headers: {}, body: '' }), { code: 'E_INTERNAL' });
  });
});

describe('parseCgiResponse', () => {
  test('round-trips cgiResponse, repeats kept in order', () => {
    const parsed = parseCgiResponse(
      cgiResponse({ status: 201, headers: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Y': 'z' }, body: 'ok' }),
    );
    assert.ok(typeof parsed !== 'string');
    assert.equal(parsed.status, 201);
    assert.deepEqual(parsed.headers, [
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['X-Y', 'z'],
      ['Content-Length', '2'],
    ]);
    assert.equal(parsed.body.toString(), 'ok');
  });

  test('LF-only line ends; the body may contain blank lines', () => {
    const parsed = parseCgiResponse(Buffer.from('Content-Type: text/plain\n\na\n\nb'));
    assert.ok(typeof parsed !== 'string');
    assert.equal(parsed.status, 200);
    assert.equal(parsed.body.toString(), 'a\n\nb');
  });

  test('Location without Status is a redirect (RFC 3875 6.2.3)', () => {
    const parsed = parseCgiResponse(Buffer.from('Location: http://x.test/\r\n\r\n'));
    assert.ok(typeof parsed !== 'string');
    assert.equal(parsed.status, 302);
  });

  test('Status with or without a reason phrase', () => {
    for (const line of ['Status: 404', 'Status: 404 Not Found', 'status:404 Nope']) {
      const parsed = parseCgiResponse(Buffer.from(`${line}\r\nContent-Type: text/plain\r\n\r\n`));
      assert.ok(typeof parsed !== 'string', line);
      assert.equal(parsed.status, 404);
    }
  });

  test('malformed output is described, not thrown (the host answers 502)', () => {
    for (const bad of [
      '',
      'Content-Type: text/plain\r\nno blank line',
      'hello world\r\n\r\n',
      ': empty name\r\n\r\n',
      'Status: abc\r\n\r\n',
      'Status: 42\r\n\r\n',
      'Bad Name: x\r\n\r\n',
      '\r\n\r\nbody only',
    ]) {
      assert.equal(typeof parseCgiResponse(Buffer.from(bad)), 'string', JSON.stringify(bad));
    }
  });
});

describe('cgiEnvFor (the host side)', () => {
  const req = (url: string, rawHeaders: string[], headers: Record<string, string> = {}) => ({
    method: 'POST',
    url,
    httpVersion: '1.0',
    rawHeaders,
    headers,
    socket: { remoteAddress: '127.0.0.9', remotePort: 5555 },
  });

  test('RFC 3875 meta-variables, REQUEST_URI raw, PATH_INFO decoded', () => {
    const env = cgiEnvFor(
      req('/users/%C3%A9?a=%41', ['Host', 'h', 'Content-Type', 'text/plain', 'Content-Length', '3'], {
        'content-type': 'text/plain',
        'content-length': '3',
      }),
      { bodyLength: 3, scriptPath: '/s.js', local: { address: '127.0.0.1', port: 8080 } },
    );
    assert.deepEqual(env, {
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_SOFTWARE: 'flickr-killr-cgi-gateway',
      SERVER_PROTOCOL: 'HTTP/1.0',
      SERVER_NAME: '127.0.0.1',
      SERVER_ADDR: '127.0.0.1',
      SERVER_PORT: '8080',
      REMOTE_ADDR: '127.0.0.9',
      REMOTE_PORT: '5555',
      REQUEST_METHOD: 'POST',
      REQUEST_URI: '/users/%C3%A9?a=%41',
      SCRIPT_NAME: '',
      SCRIPT_FILENAME: '/s.js',
      PATH_INFO: '/users/é',
      QUERY_STRING: 'a=%41',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      CONTENT_LENGTH: '3',
      CONTENT_TYPE: 'text/plain',
      HTTP_HOST: 'h',
    });
    // and back again: the script rebuilds the same request
    const back = requestFromCgiEnv(env, Buffer.from('abc'));
    assert.equal(back.url, '/users/%C3%A9?a=%41');
    assert.equal(back.headers['content-type'], 'text/plain');
    assert.equal(back.body.toString(), 'abc');
  });

  test('bad escapes stay raw in PATH_INFO; no body, no CONTENT_LENGTH', () => {
    const env = cgiEnvFor(req('/static/%FF.css', []), { bodyLength: 0, scriptPath: '/s.js' });
    assert.equal(env.PATH_INFO, '/static/%FF.css');
    assert.equal(env.REQUEST_URI, '/static/%FF.css');
    assert.equal(env.CONTENT_LENGTH, undefined);
    assert.equal(env.QUERY_STRING, '');
    const nul = cgiEnvFor(req('/static/site.css%00.png', []), { bodyLength: 0, scriptPath: '/s.js' });
    assert.equal(nul.PATH_INFO, '/static/site.css%00.png', 'NUL cannot be in an environment string');
  });

  test('repeated headers join (cookies with "; "); Proxy and names with "_" are dropped', () => {
    const env = cgiEnvFor(
      req('/', [
        'Cookie',
        'a=1',
        'cookie',
        'b=2',
        'Accept',
        'x',
        'Accept',
        'y',
        'Proxy',
        'http://evil',
        'X_Forged',
        '1',
      ]),
      { bodyLength: 0, scriptPath: '/s.js' },
    );
    assert.equal(env.HTTP_COOKIE, 'a=1; b=2');
    assert.equal(env.HTTP_ACCEPT, 'x, y');
    assert.equal(env.HTTP_PROXY, undefined);
    assert.equal(env.HTTP_X_FORGED, undefined);
  });
});
