import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreTimeoutError, StoreUnavailableError } from '../../../src/store/photo-store.js';
import { OutageBreaker } from '../../../src/store/postgres/outage-breaker.js';

/** A fake clock and a fake database that is up or down; counts the calls that reached it. */
function setup() {
  let now = 1000;
  const db = { up: true, calls: 0, slow: false };
  const breaker = new OutageBreaker(250, () => now);
  const query = () =>
    breaker.run(
      async () => {
        db.calls++;
        if (db.slow) throw Object.assign(new Error('canceling statement'), { code: '57014' });
        if (!db.up) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return 'row';
      },
      (e) =>
        (e as { code?: string }).code === 'ECONNREFUSED'
          ? new StoreUnavailableError(`PostgreSQL at x is unavailable: ${(e as Error).message}`, { cause: e })
          : (e as { code?: string }).code === '57014'
            ? new StoreTimeoutError('timeout', { cause: e })
            : e,
    );
  return { db, breaker, query, tick: (ms: number) => (now += ms) };
}

test('closed: every call reaches the database', async () => {
  const { db, query } = setup();
  assert.equal(await query(), 'row');
  assert.equal(await query(), 'row');
  assert.equal(db.calls, 2);
});

test('an outage opens it: calls fail at once, one probe per 250 ms reaches the database', async () => {
  const { db, breaker, query, tick } = setup();
  db.up = false;
  await assert.rejects(query(), StoreUnavailableError);
  assert.equal(breaker.isOpen, true);
  for (let i = 0; i < 10; i++) {
    await assert.rejects(query(), /is unavailable: connect ECONNREFUSED/);
  }
  assert.equal(db.calls, 1, 'fast failures do not reach the database');
  tick(250);
  await assert.rejects(query(), StoreUnavailableError); // the probe
  await assert.rejects(query(), StoreUnavailableError);
  assert.equal(db.calls, 2);
  db.up = true;
  tick(100);
  await assert.rejects(query(), StoreUnavailableError, 'no probe due yet');
  tick(150);
  assert.equal(await query(), 'row', 'the probe succeeds and closes it');
  assert.equal(breaker.isOpen, false);
  assert.equal(await query(), 'row');
  assert.equal(db.calls, 4);
});

test('a statement timeout does not open it', async () => {
  const { db, breaker, query } = setup();
  db.slow = true;
  await assert.rejects(query(), StoreTimeoutError);
  await assert.rejects(query(), StoreTimeoutError);
  assert.equal(breaker.isOpen, false);
  assert.equal(db.calls, 2);
});
