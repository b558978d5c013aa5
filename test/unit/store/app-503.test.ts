import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHandler } from '../../../src/app/handler.js';
import type { Asset, AssetSource } from '../../../src/assets/asset-source.js';
import { MemorySessionStore } from '../../../src/session/memory-store.js';
import {
  type PhotoStore,
  StoreTimeoutError,
  StoreUnavailableError,
  type User,
} from '../../../src/store/photo-store.js';
import { handlerFetch } from '../../conformance/app-smoke.case.js';

/**
 * The app's answer to a database outage (issue 9): dynamic pages 503 + Retry-After with a short
 * page and no stack, static files unaffected, a bug still a 500. The store is a fake that fails
 * like the PostgreSQL store does (its typed errors), switchable per call.
 */
const USER: User = {
  id: 3,
  name: 'ada3',
  displayName: 'Ada',
  bio: 'b',
  joinedAt: '2005-01-01T00:00:00.000Z',
};

class FailingStore implements PhotoStore {
  failure: Error | undefined;
  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
  async getUser(id: number) {
    this.check();
    return id === USER.id ? USER : undefined;
  }
  async findUserByName(name: string) {
    this.check();
    return name === USER.name ? USER : undefined;
  }
  async photosOf() {
    this.check();
    return [];
  }
  async someUsers() {
    this.check();
    return [USER];
  }
  async userCount() {
    this.check();
    return 1;
  }
  async close() {}
}

class OneAsset implements AssetSource {
  async get(rel: string): Promise<Asset | undefined> {
    if (rel !== 'site.css') return undefined;
    return {
      path: '/static/site.css',
      body: Buffer.from('body{}'),
      contentType: 'text/css; charset=utf-8',
      etag: '"x"',
      lastModified: new Date(0),
    };
  }
  async close() {}
}

function app() {
  const store = new FailingStore();
  const warnings: string[] = [];
  const errors: unknown[] = [];
  const handler = createHandler({
    store,
    sessions: new MemorySessionStore(),
    assets: new OneAsset(),
    onWarning: (w) => warnings.push(w),
    onError: (e) => errors.push(e),
  });
  return { store, warnings, errors, fetch: handlerFetch(handler) };
}

const STACK_RE = /\n\s+at .+:\d+:\d+/;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

test('a store outage or timeout on a dynamic page is 503 with Retry-After, a short page, no stack', async () => {
  const a = app();
  assert.equal((await a.fetch({ method: 'GET', target: '/users/3' })).status, 200);
  for (const failure of [
    new StoreUnavailableError(
      'PostgreSQL at postgres://fk@127.0.0.1:5999/fk is unavailable: connect ECONNREFUSED',
    ),
    new StoreTimeoutError('a query ran past statement_timeout (50 ms) on PostgreSQL at postgres://fk@h/fk'),
  ]) {
    a.store.failure = failure;
    for (const req of [
      { method: 'GET', target: '/users/3' },
      { method: 'GET', target: '/' },
      { method: 'HEAD', target: '/users/3' },
      { method: 'POST', target: '/login', headers: form, body: 'user=ada3' },
    ]) {
      const r = await a.fetch(req);
      assert.equal(r.status, 503, `${req.method} ${req.target}`);
      assert.equal(r.headers['retry-after'], '2');
      assert.equal(r.headers['cache-control'], 'no-store');
      const body = r.body.toString();
      if (req.method !== 'HEAD') {
        assert.match(body, /unavailable for a moment/);
        assert.ok(body.length < 4096, 'a short page');
        assert.doesNotMatch(body, STACK_RE);
        assert.ok(!body.includes('ECONNREFUSED') && !body.includes('postgres://'), 'no internals');
      }
    }
  }
  assert.equal(a.errors.length, 0, 'an outage is not logged as a 500');
  assert.equal(a.warnings.length, 1, 'one warning per outage window, not one per request');
  assert.match(a.warnings[0]!, /database unavailable or too slow, answering 503: PostgreSQL at/);
});

test('static files do not touch the store: served while it is down', async () => {
  const a = app();
  a.store.failure = new StoreUnavailableError('down');
  const r = await a.fetch({ method: 'GET', target: '/static/site.css' });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'body{}');
});

test('the store back: pages are 200 again by themselves', async () => {
  const a = app();
  a.store.failure = new StoreUnavailableError('down');
  assert.equal((await a.fetch({ method: 'GET', target: '/users/3' })).status, 503);
  a.store.failure = undefined;
  assert.equal((await a.fetch({ method: 'GET', target: '/users/3' })).status, 200);
});

test('any other store error is still a 500 (a bug), logged', async () => {
  const a = app();
  a.store.failure = Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
  const r = await a.fetch({ method: 'GET', target: '/users/3' });
  assert.equal(r.status, 500);
  assert.equal(r.headers['retry-after'], undefined);
  assert.equal(a.errors.length, 1);
});
