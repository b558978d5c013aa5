import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketIndex, bucketRange, Histogram } from '../../../src/bench/histogram.js';

test('every value lands in a bucket that contains it, within 1% relative width', () => {
  for (const v of [0, 1, 255, 256, 257, 1000, 12_345, 999_999, 2 ** 31, 2 ** 32 - 1]) {
    const { low, width } = bucketRange(bucketIndex(v));
    assert.ok(v >= low && v < low + width, `${v} in [${low}, ${low + width})`);
    assert.ok(width === 1 || width / low <= 1 / 128, `width of ${v}`);
  }
});

test('percentiles within 1% of the exact nearest-rank value', () => {
  const h = new Histogram();
  const values: number[] = [];
  let x = 12345;
  for (let i = 0; i < 20_000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const v = 50 + (x % 5_000_000);
    values.push(v);
    h.record(v);
  }
  values.sort((a, b) => a - b);
  for (const p of [50, 90, 99, 99.9]) {
    const exact = values[Math.ceil((p / 100) * values.length) - 1]!;
    const got = h.percentile(p);
    assert.ok(Math.abs(got - exact) / exact <= 0.01, `p${p}: ${got} vs ${exact}`);
  }
  assert.equal(h.max, values.at(-1));
  assert.equal(h.min, values[0]);
});

test('mean and stdev are exact; a constant reads back exactly', () => {
  const h = new Histogram();
  for (const v of [100, 200, 300]) h.record(v);
  assert.equal(h.mean(), 200);
  assert.ok(Math.abs(h.stdev() - Math.sqrt(20_000 / 3)) < 1e-9);
  const c = new Histogram();
  for (let i = 0; i < 10; i++) c.record(123_457);
  assert.deepEqual([c.percentile(50), c.percentile(99.9)], [123_457, 123_457]);
});

test('merging bucket by bucket equals recording everything in one; JSON round-trips', () => {
  const a = new Histogram();
  const b = new Histogram();
  const all = new Histogram();
  for (let i = 1; i < 5000; i++) {
    (i % 3 === 0 ? a : b).record(i * 37);
    all.record(i * 37);
  }
  const merged = Histogram.fromJSON(a.toJSON()).merge(Histogram.fromJSON(b.toJSON()));
  assert.deepEqual(merged.toJSON(), all.toJSON());
  assert.deepEqual(merged.summary(), all.summary());
});

test('empty histogram summarizes to zeros', () => {
  assert.deepEqual(new Histogram().summary(), {
    count: 0,
    min: 0,
    mean: 0,
    stdev: 0,
    p50: 0,
    p90: 0,
    p99: 0,
    p999: 0,
    max: 0,
  });
});
