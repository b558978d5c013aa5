import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../../../src/cli/run.js';
import { fakeIo } from '../../helpers/fake-io.js';

const io = () => fakeIo({ cwd: '/nonexistent-fk-cwd' });

test('ladder --help and start --help describe the options', async () => {
  for (const cmd of ['ladder', 'start']) {
    const x = io();
    assert.equal(await runCli([cmd, '--help'], x), 0);
    assert.match(x.out.join(''), /--quick/);
  }
});

test('bad options are one line with a code, before anything is seeded or started', async () => {
  const cases: Array<[string[], RegExp, number]> = [
    [['ladder', '--stages', 'cgi,fastcgi'], /unknown stage 'fastcgi' in --stages \[E_STAGE_UNKNOWN\]/, 1],
    [['ladder', '--duration', 'soon'], /--duration takes a duration/, 2],
    [['ladder', '--connections', '0'], /--connections must be between 1/, 2],
    [['start', '--frobnicate'], /\[E_USAGE\]/, 2],
  ];
  for (const [argv, re, code] of cases) {
    const x = io();
    assert.equal(await runCli(argv, x), code, argv.join(' '));
    assert.match(x.err.join(''), re);
    assert.doesNotMatch(x.err.join(''), /\n\s+at /);
  }
});
