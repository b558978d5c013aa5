import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { isPresent } from '../../src/setup/ensure.js';
import { prerequisitesFor } from '../../src/setup/needs.js';
import { fakeIo } from '../helpers/fake-io.js';

// In-process through the CLI, against this machine's real binaries (hence not a unit test).
test('setup --check lists every package the tests need once, and exits 1 only when one is missing', async () => {
  const io = fakeIo();
  const code = await runCli(['setup', '--check', '--for', 'tests'], io);
  const lines = io.out.join('').trim().split('\n');
  const needed = prerequisitesFor(['tests']);
  assert.equal(lines.length, needed.length);
  for (const [i, p] of needed.entries()) {
    assert.equal(lines[i], `${isPresent(p) ? 'present' : 'missing'}  ${p.debianPackage} (${p.binary})`);
  }
  assert.equal(code, needed.every(isPresent) ? 0 : 1);
  if (process.env.CI === 'true') assert.equal(code, 0, 'CI installed everything first (.ci/run)');
});

test('setup with a purpose it does not know is a usage error, before anything is installed', async () => {
  const io = fakeIo();
  assert.equal(await runCli(['setup', '--for', 'ladder,everything'], io), 2);
  assert.match(io.err.join(''), /--for takes ladder, postgres, lab, tests .*\[E_USAGE\]/);
});
