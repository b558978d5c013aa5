import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { machineInfo, parseVersion } from '../../../src/ladder/machine-info.js';
import { linkLatest, timestampedDir, writeReport } from '../../../src/ladder/write-report.js';
import { sampleReport } from '../report/report-fixture.js';

test("parseVersion reads each server's own version banner", () => {
  assert.equal(parseVersion('\nnginx version: nginx/1.22.1\n', /nginx\/(\S+)/), '1.22.1');
  assert.equal(parseVersion('memcached 1.6.18\n', /memcached (\S+)/), '1.6.18');
  assert.equal(
    parseVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1', /v=(\S+)/),
    '7.0.15',
  );
  assert.equal(
    parseVersion('lighttpd/1.4.69 (ssl) - a light and fast webserver', /lighttpd\/(\S+)/),
    '1.4.69',
  );
  assert.equal(parseVersion('', /x(\d)/), undefined);
});

test('machineInfo describes this machine and says the generator shares it', async () => {
  const m = await machineInfo(process.versions.node);
  assert.ok(m.cores >= 1);
  assert.ok(m.memoryBytes > 0);
  assert.equal(m.node, process.versions.node);
  assert.equal(m.generatorSharesMachine, true);
  for (const k of ['nginx', 'memcached', 'redis', 'lighttpd']) assert.equal(typeof m.versions[k], 'string');
});

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
