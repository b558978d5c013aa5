import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Node 20's `--test` takes no globs, and with no path at all it runs zero tests and passes: the
 * npm test script names every file itself, in tier order (unit, integration, system). A test file
 * missing from it would never run and nobody would notice; a listed file that no longer exists
 * would fail the whole run with a confusing message. Both are caught here.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { test: string } })
  .scripts.test;
const listed = script.split(/\s+/).filter((w) => w.startsWith('test/'));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : testFiles(p);
    return e.name.endsWith('.test.ts') ? [relative(root, p)] : [];
  });
}

test('the npm test script names its files itself: no shell expansion that could yield none', () => {
  assert.match(script, /^node --import tsx --test /);
  assert.doesNotMatch(script, /[$`*?]/, 'no $(…), backticks or globs');
  assert.ok(listed.length > 0);
});

test('every test/**/*.test.ts file is named by the npm test script, once', () => {
  const onDisk = testFiles(join(root, 'test')).sort();
  const missing = onDisk.filter((f) => !listed.includes(f));
  assert.deepEqual(missing, [], `not run by npm test: ${missing.join(', ')}`);
  const dupes = listed.filter((f, i) => listed.indexOf(f) !== i);
  assert.deepEqual(dupes, []);
});

test('every file the npm test script names exists and is a test file', () => {
  const gone = listed.filter((f) => !existsSync(join(root, f)) || !f.endsWith('.test.ts'));
  assert.deepEqual(gone, []);
});

test('the tiers run in order: unit, then integration, then system', () => {
  const tier = (f: string) => ['unit', 'conformance', 'integration', 'system'].indexOf(f.split('/')[1] ?? '');
  const tiers = listed.map(tier);
  assert.ok(!tiers.includes(-1), `a file outside the tiers: ${listed.filter((f) => tier(f) < 0).join(', ')}`);
  assert.deepEqual(
    tiers,
    [...tiers].sort((a, b) => a - b),
  );
});
