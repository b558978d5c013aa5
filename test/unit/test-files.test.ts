import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Node 20's `--test` takes no globs: `npm test` runs exactly the files in test/test-files.txt.
 * A test file missing from that list would never run and nobody would notice; a listed file that
 * no longer exists would fail the whole run with a confusing message. Both are caught here.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const listed = readFileSync(join(root, 'test', 'test-files.txt'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : testFiles(p);
    return e.name.endsWith('.test.ts') ? [relative(root, p)] : [];
  });
}

test('every test/**/*.test.ts file is listed in test/test-files.txt, once', () => {
  const onDisk = testFiles(join(root, 'test')).sort();
  const missing = onDisk.filter((f) => !listed.includes(f));
  assert.deepEqual(missing, [], `not run by npm test: ${missing.join(', ')}`);
  const dupes = listed.filter((f, i) => listed.indexOf(f) !== i);
  assert.deepEqual(dupes, []);
});

test('every file in test/test-files.txt exists and is a test file', () => {
  const gone = listed.filter((f) => !existsSync(join(root, f)) || !f.endsWith('.test.ts'));
  assert.deepEqual(gone, []);
});

test('the npm test script runs the list', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { test: string } };
  assert.match(pkg.scripts.test, /--test .*test\/test-files\.txt/);
});
