import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { InFlightLimit, limitInFlight, RETRY_AFTER_S } from '../../../src/server/node-http.js';

/** A response that records what was written and emits 'finish' when the test says the handler is done. */
class FakeRes extends EventEmitter {
  status = 0;
  headers: Record<string, string | number> = {};
  body = '';
  writeHead(status: number, headers: Record<string, string | number>): this {
    this.status = status;
    this.headers = headers;
    return this;
  }
  end(body?: string): this {
    this.body = body ?? '';
    return this;
  }
}

const req = (method: string, url = '/users/1') =>
  ({ method, url, headers: {} }) as unknown as IncomingMessage;

/** A fake handler that holds every request until released. */
function holdingHandler() {
  const held: FakeRes[] = [];
  const inner = (_req: IncomingMessage, res: ServerResponse) => {
    held.push(res as unknown as FakeRes);
  };
  const release = (i: number) => {
    held[i]!.writeHead(200, {}).end('ok');
    held[i]!.emit('finish');
    held[i]!.emit('close');
  };
  return { held, inner, release };
}

test('past the limit a GET gets a fast 503 with Retry-After, counted; a freed slot admits the next', () => {
  const limit = new InFlightLimit(2);
  const shed: number[] = [];
  const h = holdingHandler();
  const listener = limitInFlight(limit, h.inner, (n) => shed.push(n));
  const call = (method = 'GET') => {
    const res = new FakeRes();
    listener(req(method), res as unknown as ServerResponse);
    return res;
  };
  call();
  call();
  const refused = call();
  assert.equal(h.held.length, 2, 'the handler never saw the third request');
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['Retry-After'], String(RETRY_AFTER_S));
  assert.equal(refused.headers['X-Overloaded'], 'app');
  assert.equal(refused.headers.Connection, undefined, 'the connection stays open for the retry');
  assert.match(refused.body, /^Overloaded: too many requests in flight/);
  assert.deepEqual([limit.inFlight, limit.shed, shed], [2, 1, [1]]);
  h.release(0);
  assert.equal(limit.inFlight, 1, "'finish' then 'close' frees one slot, once");
  call('HEAD');
  assert.equal(h.held.length, 3);
  assert.equal(call('HEAD').status, 503);
  assert.equal(limit.shed, 2);
});

test('a POST (what the user did) and a static file (a page view already paid for) are never refused, but count', () => {
  const limit = new InFlightLimit(1);
  const h = holdingHandler();
  const listener = limitInFlight(limit, h.inner);
  for (const method of ['GET', 'POST', 'POST'])
    listener(req(method), new FakeRes() as unknown as ServerResponse);
  listener(req('GET', '/static/site.css'), new FakeRes() as unknown as ServerResponse);
  assert.equal(h.held.length, 4);
  assert.equal(limit.inFlight, 4);
  const get = new FakeRes();
  listener(req('GET'), get as unknown as ServerResponse);
  assert.equal(get.status, 503);
  for (const i of [0, 1, 2, 3]) h.release(i);
  assert.equal(limit.inFlight, 0);
});

test('a client that goes away mid-response frees its slot too', () => {
  const limit = new InFlightLimit(1);
  const h = holdingHandler();
  const listener = limitInFlight(limit, h.inner);
  listener(req('GET'), new FakeRes() as unknown as ServerResponse);
  h.held[0]!.emit('close');
  assert.equal(limit.inFlight, 0);
  assert.throws(() => new InFlightLimit(0), RangeError);
});
