import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../../src/cli/run.js';
import { compareLadders, renderLadderCompare } from '../../../src/report/ladder-compare.js';
import { parseLadderReport } from '../../../src/report/read-report.js';
import type { LadderReport } from '../../../src/report/report-types.js';
import { fakeIo } from '../../helpers/fake-io.js';
import { benchCore, sampleReport, summary } from '../../helpers/report-fixture.js';

/** B: single twice as fast with a new verdict, cgi failed, memcached-noindex dropped, a new run. */
function pair(): { a: LadderReport; b: LadderReport } {
  const a = sampleReport();
  const b = sampleReport();
  b.startedAt = '2026-11-28T09:00:00.000Z';
  const single = b.runs.find((r) => r.id === 'single')!;
  single.bench = summary(benchCore(240));
  single.diagnosis = { bottleneck: 'one-core', text: 't', evidence: [] };
  const cgi = b.runs.find((r) => r.id === 'cgi')!;
  cgi.status = 'failed';
  cgi.reason = 'lighttpd exited';
  delete cgi.bench;
  b.runs = b.runs.filter((r) => r.id !== 'memcached-noindex');
  b.runs.push({ ...b.runs.find((r) => r.id === 'nginx')!, id: 'nginx-static', label: 'nginx-static' });
  return { a, b };
}

test('compare: per stage the rate and p99 ratios B/A and what changed; runs only in one listed', () => {
  const { a, b } = pair();
  const rows = compareLadders(a, b);
  assert.deepEqual(
    rows.map((r) => [r.id, r.verdict]),
    [
      ['cgi', 'ok → failed: lighttpd exited'],
      ['single', 'app-cpu → one-core'],
      ['nginx', 'same: app-cpu'],
      ['memcached', 'same: app-cpu'],
      ['cluster', 'failed in both'],
      ['proxy-cache', 'skipped in both'],
      ['memcached-noindex', 'only in A'],
      ['nginx-static', 'only in B'],
    ],
  );
  const single = rows.find((r) => r.id === 'single')!;
  assert.equal(single.rateRatio, 2);
  // Page load p99 of the fixture is 4 × 1e6 / rate: twice the rate, half the p99.
  assert.ok(Math.abs(single.p99Ratio! - 0.5) < 0.01, `${single.p99Ratio}`);
  assert.equal(rows.find((r) => r.id === 'nginx')!.rateRatio, 1);
  assert.equal(rows.find((r) => r.id === 'cgi')!.rateRatio, undefined);
});

test('compare: the text table, and a warning when the two were not measured alike', () => {
  const { a, b } = pair();
  const text = renderLadderCompare(a, b, 'old/report.json', 'new/report.json');
  assert.match(text, /^A: old\/report\.json \(2026-11-27T14:00:00\.000Z\)$/m);
  assert.match(text, /^single +120 +240 +2\.0× .* 1\/2\.0× +app-cpu → one-core$/m);
  assert.match(text, /^cgi +3\.2 +failed .*ok → failed: lighttpd exited$/m);
  assert.match(text, /^memcached, no index +20\.0 .*only in A$/m);
  assert.doesNotMatch(text, /Not measured alike/);
  b.options.users = 100_000;
  b.options.quick = false;
  assert.match(
    renderLadderCompare(a, b, 'a', 'b'),
    /Not measured alike \(quick: true vs false; users: 500 vs 100000\)/,
  );
});

test('a file that is not a ladder report is one clear E_BAD_REPORT', () => {
  assert.throws(() => parseLadderReport('{', 'x.json'), {
    code: 'E_BAD_REPORT',
    message: 'x.json is not JSON',
  });
  assert.throws(
    () => parseLadderReport('{"schemaVersion":1,"tool":{"name":"flickr-killr bench"}}', 'b.json'),
    {
      code: 'E_BAD_REPORT',
      message: /b\.json is not a flickr-killr ladder report/,
    },
  );
  const r = sampleReport() as unknown as { schemaVersion: number };
  r.schemaVersion = 2;
  assert.throws(() => parseLadderReport(JSON.stringify(r), 'v2.json'), { message: /version 2 report/ });
  const broken = sampleReport();
  delete (broken.runs[1] as { bench?: unknown }).bench;
  assert.throws(() => parseLadderReport(JSON.stringify(broken), 'b.json'), {
    message: 'b.json: run 2 (single) is ok but has no page views/s',
  });
});

test('CLI: ladder compare A B prints the table and exits 0; a directory means its report.json', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fk-ladder-compare-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { a, b } = pair();
  mkdirSync(join(dir, 'b'));
  writeFileSync(join(dir, 'a.json'), JSON.stringify(a));
  writeFileSync(join(dir, 'b', 'report.json'), JSON.stringify(b));
  const io = fakeIo({ cwd: dir });
  assert.equal(await runCli(['ladder', 'compare', 'a.json', 'b'], io), 0, io.err.join(''));
  assert.match(io.out.join(''), /app-cpu → one-core/);
  const missing = fakeIo({ cwd: dir });
  assert.equal(await runCli(['ladder', 'compare', 'a.json', 'nope.json'], missing), 1);
  assert.match(missing.err.join(''), /cannot read nope\.json: ENOENT \[E_BAD_REPORT\]/);
  const one = fakeIo({ cwd: dir });
  assert.equal(await runCli(['ladder', 'compare', 'a.json'], one), 2);
  assert.match(one.err.join(''), /exactly two report\.json files \[E_USAGE\]/);
  const help = fakeIo();
  assert.equal(await runCli(['ladder', '--help'], help), 0);
  assert.match(help.out.join(''), /flickr-killr ladder compare A\/report\.json B\/report\.json/);
});
