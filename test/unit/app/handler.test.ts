import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createHandler } from '../../../src/app/handler.js';
import { DiskSource } from '../../../src/assets/disk-source.js';
import { openApp } from '../../../src/server/open-app.js';
import { MemorySessionStore } from '../../../src/session/memory-store.js';
import type { PhotoStore } from '../../../src/store/photo-store.js';
import { handlerFetch } from '../../conformance/app-smoke.case.js';
import { openTestApp, smallDatabase } from '../../helpers/app-fixture.js';

let db: ReturnType<typeof smallDatabase>;
let app: ReturnType<typeof openTestApp>;
before(async () => {
  db = smallDatabase();
  app = openTestApp({ dbPath: db.dbPath });
});
after(async () => {
  await app.close();
  db.remove();
});

test('dynamic pages carry Server-Timing with numbers; static files do not', async () => {
  const fetch = handlerFetch(app.handler);
  const page = await fetch({ method: 'GET', target: '/users/10' });
  const m = /^session;dur=(\d+\.\d{3}), db;dur=(\d+\.\d{3}), render;dur=(\d+\.\d{3})$/.exec(
    String(page.headers['server-timing']),
  );
  assert.ok(m, String(page.headers['server-timing']));
  assert.equal(Number(m[1]), 0, 'no cookie, no session time');
  assert.ok(Number(m[2]) > 0 && Number(m[3]) > 0);
  const css = await fetch({ method: 'GET', target: '/static/site.css' });
  assert.equal(css.headers['server-timing'], undefined);
});

test('HEAD on a static file; 304 keeps the validators and sends no body', async () => {
  const fetch = handlerFetch(app.handler);
  const g = await fetch({ method: 'GET', target: '/static/thumbs/t0001.png' });
  const h = await fetch({ method: 'HEAD', target: '/static/thumbs/t0001.png' });
  assert.equal(h.status, 200);
  assert.equal(h.body.length, 0);
  assert.equal(h.headers['content-length'], String(g.body.length));
  assert.equal(h.headers.etag, g.headers.etag);
  const nm = await fetch({
    method: 'GET',
    target: '/static/thumbs/t0001.png',
    headers: { 'if-none-match': `"x", W/${g.headers.etag}` },
  });
  assert.equal(nm.status, 304);
  assert.equal(nm.headers.etag, g.headers.etag);
  assert.equal(nm.headers['content-length'], undefined);
  // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
  const both = await fetch({
    method: 'GET',
    target: '/static/thumbs/t0001.png',
    headers: { 'if-none-match': '"other"', 'if-modified-since': String(g.headers['last-modified']) },
  });
  assert.equal(both.status, 200);
  const junk = await fetch({
    method: 'GET',
    target: '/static/site.css',
    headers: { 'if-modified-since': 'yesterday' },
  });
  assert.equal(junk.status, 200);
});

test('a store that throws gives a 500 page without details, reported to onError', async () => {
  const errors: unknown[] = [];
  const broken: PhotoStore = {
    getUser: async () => {
      throw new Error('SQLITE_CORRUPT at /secret/path.ts:1:1');
    },
    findUserByName: async () => undefined,
    photosOf: async () => [],
    someUsers: async () => [],
    userCount: async () => 0,
    close: async () => {},
  };
  const handler = createHandler({
    store: broken,
    sessions: new MemorySessionStore(),
    assets: new DiskSource(db.dir),
    onError: (e) => errors.push(e),
  });
  const r = await handlerFetch(handler)({ method: 'GET', target: '/users/1' });
  assert.equal(r.status, 500);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.doesNotMatch(r.body.toString(), /SQLITE|secret/);
  assert.equal(errors.length, 1);
});

test('DiskSource: content types, content-hash ETag, refuses paths outside its root', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-disk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'a.css'), 'a{}');
  writeFileSync(join(root, 'b.css'), 'a{}');
  writeFileSync(join(root, 'x.unknown'), 'x');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'sub', 'inside-link.txt'));
  const src = new DiskSource(root);
  const a = await src.get('a.css');
  assert.equal(a?.contentType, 'text/css; charset=utf-8');
  assert.equal(a?.path, '/static/a.css');
  assert.equal(a?.etag, (await src.get('b.css'))?.etag, 'same bytes, same ETag');
  assert.equal(a?.lastModified.getMilliseconds(), 0);
  assert.equal((await src.get('x.unknown'))?.contentType, 'application/octet-stream');
  assert.equal(await src.get('../secret.txt'), undefined);
  assert.equal(await src.get('/etc/passwd'), undefined);
  assert.equal(await src.get('sub'), undefined, 'directories are not files');
  assert.equal(await src.get('sub/inside-link.txt'), undefined, 'a symlink out of the root');
  assert.equal(await src.get('missing.css'), undefined);
  await src.close();
});

test('openApp on a missing database is E_DB_MISSING', async () => {
  const spec = { db: join(db.dir, 'nope.db'), sessions: 'db', memcached: [], fillMemcached: false } as const;
  await assert.rejects(openApp({ ...spec, memcached: [] }), { code: 'E_DB_MISSING' });
});

test('GET /healthz answers 200 without asking the store or the sessions (the uptest first step)', async () => {
  const asked: string[] = [];
  const store = new Proxy({} as PhotoStore, {
    get: (_t, k) => async () => {
      asked.push(String(k));
      throw new Error('down');
    },
  });
  const handler = createHandler({
    store,
    sessions: new MemorySessionStore(),
    assets: new DiskSource(db.dir),
  });
  const r = await handlerFetch(handler)({ method: 'GET', target: '/healthz' });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'ok\n');
  assert.deepEqual(asked, []);
  assert.equal((await handlerFetch(handler)({ method: 'POST', target: '/healthz' })).status, 405);
});
