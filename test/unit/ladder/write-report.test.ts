import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  linkLatest,
  timestampedDir,
  writeBenchResult,
  writeReport,
} from '../../../src/ladder/write-report.js';
import { benchCore, sampleReport } from '../../helpers/report-fixture.js';

test('writeReport writes report.json, index.html and table.txt; out/latest follows the newest', () => {
  const root = mkdtempSync(join(tmpdir(), 'fk-write-'));
  try {
    const dir = timestampedDir(root, new Date('2026-11-27T14:05:09.123Z'));
    assert.equal(dir, join(root, 'ladder-2026-11-27T14-05-09Z'));
    const files = writeReport(dir, sampleReport());
    assert.deepEqual(JSON.parse(readFileSync(files.json, 'utf8')), sampleReport());
    assert.match(readFileSync(files.html, 'utf8'), /^<!doctype html>/);
    assert.ok(existsSync(join(dir, 'table.txt')));
    linkLatest(dir);
    linkLatest(dir);
    assert.equal(readlinkSync(join(root, 'latest')), 'ladder-2026-11-27T14-05-09Z');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("writeBenchResult keeps each run's whole bench result under bench/, named by run id", () => {
  const root = mkdtempSync(join(tmpdir(), 'fk-write-'));
  try {
    const rel = writeBenchResult(root, 'memcached-noindex', benchCore(42));
    assert.equal(rel, join('bench', 'memcached-noindex.json'));
    assert.deepEqual(JSON.parse(readFileSync(join(root, rel), 'utf8')), benchCore(42));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
