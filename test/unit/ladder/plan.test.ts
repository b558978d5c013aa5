import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_RUN_IDS, defaultSettings, planRuns } from '../../../src/ladder/plan.js';

test("the full ladder: the talk's order, the other options, then memcached without its index", () => {
  assert.deepEqual(
    planRuns().map((r) => r.id),
    ['cgi', 'single', 'nginx', 'memcached', 'cluster', 'nginx-static', 'proxy-cache', 'memcached-noindex'],
  );
  const noIndex = planRuns().at(-1)!;
  assert.deepEqual(noIndex, {
    id: 'memcached-noindex',
    stage: 'memcached',
    variant: 'no-index',
    label: 'memcached, no index',
    baseline: 'memcached',
    talkRequestsPerS: 28,
  });
});

test('--stages keeps the ladder order, drops duplicates, rejects unknown names', () => {
  assert.deepEqual(
    planRuns(['memcached', 'cgi', 'cgi', ' single ']).map((r) => r.id),
    ['cgi', 'single', 'memcached'],
  );
  assert.throws(() => planRuns(['cgi', 'fastcgi']), { code: 'E_STAGE_UNKNOWN' });
  assert.throws(() => planRuns(['']), { code: 'E_USAGE' });
  assert.equal(ALL_RUN_IDS.length, 8);
});

test('budgets: the full run fits 5 minutes on 2 cores; quick uses its own small database', () => {
  const full = defaultSettings(false, '/w');
  const perRun = full.durationMs + full.warmupMs + 3000; // + start, smoke, stop
  assert.ok(8 * perRun + 30_000 <= 300_000);
  const quick = defaultSettings(true, '/w');
  assert.deepEqual(quick.db, { kind: 'sqlite', path: '/w/data/quick.db' });
  assert.equal(quick.seedUsers, 500);
});

test("the talk's ratios: 0.2/0.1 ≈ 6.0, dropping the index ≈ 22× slower", () => {
  const talk = (id: string) => planRuns([id])[0]!.talkRequestsPerS;
  assert.equal((talk('single')! / talk('cgi')!).toFixed(1), '6.0');
  assert.equal((talk('memcached')! / talk('memcached-noindex')!).toFixed(0), '22');
  assert.equal(talk('cluster'), undefined, 'the talk measured no other option');
});
