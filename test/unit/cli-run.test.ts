import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COMMANDS } from '../../src/cli/commands.js';
import { runCli } from '../../src/cli/run.js';
import { ERROR_CODES } from '../../src/errors.js';
import { fakeIo } from '../helpers/fake-io.js';

test('--help lists every command', async () => {
  const io = fakeIo();
  assert.equal(await runCli(['--help'], io), 0);
  for (const name of ['start', 'seed', 'index', 'serve', 'bench', 'ladder'])
    assert.match(io.out.join(''), new RegExp(`\\b${name}\\b`));
});

test('an unknown command is one line with a code and a hint, exit 2', async () => {
  const io = fakeIo();
  assert.equal(await runCli(['frobnicate'], io), 2);
  const text = io.err.join('');
  assert.match(text, /unknown command 'frobnicate' \[E_USAGE\]/);
  assert.match(text, /hint: /);
  assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');
});

test('docs/errors.md lists every error code', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  for (const code of Object.keys(ERROR_CODES))
    assert.ok(doc.includes(code), `docs/errors.md is missing ${code}`);
});

test("docs/cli.md holds every public command's --help verbatim", async () => {
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  const publicCommands = Object.entries(COMMANDS)
    .filter(([, c]) => !c.summary.startsWith('(internal)'))
    .map(([name]) => name);
  assert.ok(publicCommands.length >= 7);
  for (const name of publicCommands) {
    const io = fakeIo();
    assert.equal(await runCli([name, '--help'], io), 0);
    assert.ok(
      doc.includes(io.out.join('').trimEnd()),
      `docs/cli.md is out of date for '${name}': regenerate it`,
    );
  }
});

test('--version prints the version of package.json', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const io = fakeIo();
  assert.equal(await runCli(['--version'], io), 0);
  assert.equal(io.out.join(''), `flickr-killr ${pkg.version}\n`);
});
