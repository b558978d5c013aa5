import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearSessionCookie, cookieValue, sessionCookie } from '../../../src/app/cookies.js';
import { parseForm } from '../../../src/app/form.js';
import { HttpError } from '../../../src/app/http-error.js';
import { decodePath, parseUserId, staticRelPath } from '../../../src/app/request-path.js';

const status = (f: () => unknown): number => {
  try {
    f();
    return 0;
  } catch (e) {
    assert.ok(e instanceof HttpError, String(e));
    return e.status;
  }
};

test('decodePath decodes once and drops the query', () => {
  assert.equal(decodePath('/users/7?x=%FF'), '/users/7');
  assert.equal(decodePath('/static/caf%C3%A9.css'), '/static/café.css');
  assert.equal(decodePath('/static/%252e%252e/x'), '/static/%2e%2e/x', 'double encoding stays literal');
  for (const bad of ['/static/%FF.css', '/users/%E0%A4%A', '/%', '/a%2', '/%C0%AF'])
    assert.equal(
      status(() => decodePath(bad)),
      400,
      bad,
    );
  assert.equal(
    status(() => decodePath('users/1')),
    400,
  );
  assert.equal(decodePath('http://example.com/users/1?q'), '/users/1');
  assert.equal(decodePath('HTTP://example.com'), '/');
  assert.equal(
    status(() => decodePath('*')),
    400,
  );
  assert.equal(
    status(() => decodePath('ftp://x/users/1')),
    400,
  );
});

test('staticRelPath never leaves the static root', () => {
  assert.equal(staticRelPath('/static/thumbs/t0001.png'), 'thumbs/t0001.png');
  for (const bad of [
    '/static/',
    '/static/../x',
    '/static/a/../../x',
    '/static/./site.css',
    '/static//etc/passwd',
    '/static/a\\..\\b',
    '/static/a\0b',
    '/static/thumbs/',
  ]) {
    assert.equal(
      status(() => staticRelPath(bad)),
      404,
      JSON.stringify(bad),
    );
  }
});

test('parseUserId accepts 1..2^31-1 written plainly', () => {
  assert.equal(parseUserId('1'), 1);
  assert.equal(parseUserId('2147483647'), 2147483647);
  for (const bad of ['', '0', '01', '-1', '1e3', '1.0', ' 1', '2147483648', '99999999999999999999', '１']) {
    assert.equal(
      status(() => parseUserId(bad)),
      404,
      bad,
    );
  }
});

test('parseForm: + is space, UTF-8 percent-escapes, malformed is 400', () => {
  const f = parseForm(Buffer.from('user=Zo%C3%AB+Lovelace&x&empty=&user2=%E5%B1%B1'));
  assert.equal(f.get('user'), 'Zoë Lovelace');
  assert.equal(f.get('x'), '');
  assert.equal(f.get('empty'), '');
  assert.equal(f.get('user2'), '山');
  assert.equal(parseForm(Buffer.alloc(0)).size, 0);
  assert.equal(
    status(() => parseForm(Buffer.from('user=%ZZ'))),
    400,
  );
  assert.equal(
    status(() => parseForm(Buffer.from('user=%FF'))),
    400,
  );
});

test('cookies: one value out of many; the session cookie attributes', () => {
  assert.equal(cookieValue('a=1; fk_session=abc; b=2', 'fk_session'), 'abc');
  assert.equal(cookieValue('fk_sessionx=1', 'fk_session'), undefined);
  assert.equal(cookieValue(undefined, 'fk_session'), undefined);
  assert.equal(cookieValue('garbage;;=', 'fk_session'), undefined);
  assert.equal(sessionCookie('f'.repeat(32)), `fk_session=${'f'.repeat(32)}; Path=/; HttpOnly; SameSite=Lax`);
  assert.match(clearSessionCookie(), /^fk_session=; .*Max-Age=0$/);
});
