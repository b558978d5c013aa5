import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProcStat } from '../../../src/proc/stat.js';
import { parseSystemStat } from '../../../src/proc/system-stat.js';
import { CAT_LINE, SYSTEM } from '../../helpers/proc-fixtures.js';

test('parseProcStat reads pid, comm, state, ppid, pgrp and the four CPU fields', () => {
  assert.deepEqual(parseProcStat(CAT_LINE), {
    pid: 11299,
    comm: 'cat',
    state: 'R',
    ppid: 11292,
    pgrp: 11292,
    utime: 7,
    stime: 3,
    cutime: 2,
    cstime: 1,
  });
});

test('parseProcStat survives a comm with spaces and parentheses', () => {
  const line = CAT_LINE.replace('(cat)', '(my (odd) name)');
  const p = parseProcStat(line);
  assert.equal(p?.comm, 'my (odd) name');
  assert.equal(p?.utime, 7);
  assert.equal(parseProcStat('garbage'), undefined);
});

test('parseSystemStat: busy excludes idle and iowait; per-core lines; forks since boot', () => {
  const s = parseSystemStat(SYSTEM);
  assert.deepEqual(s.all, { busy: 9490 + 3281 + 77 + 9, total: 9490 + 3281 + 85781 + 297 + 77 + 9 });
  assert.equal(s.perCore.length, 2);
  assert.deepEqual(s.perCore[0], { busy: 3042 + 1409 + 14 + 2, total: 3042 + 1409 + 44885 + 60 + 14 + 2 });
  assert.equal(s.processes, 11300);
});
