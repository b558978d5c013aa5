import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFkError } from '../../../src/errors.js';
import { checkConnectionBudget } from '../../../src/store/connection-budget.js';

test('processes × pool that fit max_connections minus the reserved slots pass', () => {
  checkConnectionBudget({ processes: 8, poolSize: 4, maxConnections: 100, reserved: 3 });
  checkConnectionBudget({ processes: 97, poolSize: 1, maxConnections: 100, reserved: 3 }); // exactly full
  checkConnectionBudget({ processes: 0, poolSize: 10, maxConnections: 3, reserved: 3 });
});

test('too many is E_DB_CONNECTIONS naming every number', () => {
  assert.throws(
    () => checkConnectionBudget({ processes: 25, poolSize: 4, maxConnections: 100, reserved: 3 }),
    (e: unknown) => {
      assert.ok(isFkError(e) && e.code === 'E_DB_CONNECTIONS');
      assert.equal(
        e.message,
        '25 app processes × pool 4 = 100 connections do not fit max_connections 100 minus 3 reserved (97 available)',
      );
      return true;
    },
  );
  assert.throws(
    () => checkConnectionBudget({ processes: 1, poolSize: 1, maxConnections: 2, reserved: 5 }),
    /\(0 available\)/,
  );
});

test('nonsense numbers are E_USAGE, not a silent pass', () => {
  for (const bad of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => checkConnectionBudget({ processes: bad, poolSize: 4, maxConnections: 100, reserved: 3 }),
      (e: unknown) => isFkError(e) && e.code === 'E_USAGE',
    );
  }
});
