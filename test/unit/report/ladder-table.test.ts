import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRatio, formatUs, ladderTable, renderTable } from '../../../src/report/ladder-table.js';
import { sampleReport } from '../../helpers/report-fixture.js';

test('formatUs picks the unit: µs, ms, s', () => {
  assert.equal(formatUs(840), '840 µs');
  assert.equal(formatUs(3240), '3.2 ms');
  assert.equal(formatUs(312_400), '312 ms');
  assert.equal(formatUs(1_250_000), '1.25 s');
  assert.equal(formatUs(undefined), '–');
});

test('formatRatio shows slow-downs as fractions', () => {
  assert.equal(formatRatio(6.04), '6.0×');
  assert.equal(formatRatio(27.3), '27×');
  assert.equal(formatRatio(0.05), '1/20.0×');
});

test('renderTable aligns columns, numbers to the right, and counts characters not bytes', () => {
  const t = renderTable([
    ['stage', 'talk req/s', 'page views/s'],
    ['cgi', '23', '3.2'],
    ['memcached, no index', '28', '1,234'],
  ]).split('\n');
  assert.equal(t.length, 4);
  assert.match(t[1]!, /^─+ {2}─+ {2}─+$/);
  assert.equal(t[2], 'cgi                          23           3.2');
  assert.equal(t[3], 'memcached, no index          28         1,234');
});

test('ladderTable: one row per run, the talk beside ours, diagnosis lines, skipped with its install command', () => {
  const text = ladderTable(sampleReport());
  const lines = text.split('\n');
  const row = (label: string) => lines.find((l) => l.startsWith(`${label} `))!;
  assert.match(row('cgi'), /^cgi\s+23 \(0\.1\)\s+3\.2\s+64\.0\s+/);
  assert.match(row('single'), /120\s+2,400\s+.*cgi\s+38×\s+6\.0×\s+1\.50 ms\s+app-cpu$/);
  assert.match(row('memcached, no index'), /28 \(0\.4\)\s+20\.0\s+.*memcached\s+1\/20\.0×\s+1\/22\.0×/);
  assert.match(row('cluster'), /failed$/);
  assert.match(text, /cluster: failed: app-1 exited during start-up/);
  assert.match(text, /proxy-cache: skipped: missing varnishd — install: apt-get install varnish/);
  assert.match(text, /load generator runs on the same machine/);
  assert.match(lines[0]!, /500 users, 8 virtual users, 2 s per stage after 0\.5 s warm-up \(quick\)/);
});
