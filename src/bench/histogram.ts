import type { LatencySummary } from './api.js';

/**
 * A log-linear (HDR-style) histogram of whole microseconds. Values below 256 µs get a bucket each;
 * above, every power of two is split into 128 equal buckets, so a bucket is at most 1/128 of its
 * values wide and its midpoint is within 0.4% of any value in it (the issue asks for ≤ 1%).
 * Buckets are plain counts at fixed indexes, so two histograms merge bucket by bucket, exactly —
 * what lets worker threads (and separate runs) be combined, as autocannon's encoded histograms do.
 * Count, sum, sum of squares, min and max are kept exactly beside the buckets.
 */
const SUB_BITS = 8;
const SUB_COUNT = 1 << SUB_BITS; // 256
const HALF = SUB_COUNT >> 1; // 128
/** Values are clamped to 2^32 - 1 µs (~71 minutes): no request lives that long. */
const MAX_VALUE = 0xffff_ffff;
const BUCKETS = SUB_COUNT + (32 - SUB_BITS) * HALF;

export interface SerializedHistogram {
  /** Layout version of `buckets`: 1 = log-linear, 256 linear buckets then 128 per power of two. */
  layout: 1;
  count: number;
  sum: number;
  sumSquares: number;
  min: number;
  max: number;
  /** Non-empty buckets as [index, count] pairs, index ascending. */
  buckets: [number, number][];
}

export function bucketIndex(value: number): number {
  if (value < SUB_COUNT) return value;
  const msb = 31 - Math.clz32(value);
  const shift = msb - (SUB_BITS - 1);
  return SUB_COUNT + (shift - 1) * HALF + ((value >>> shift) - HALF);
}

/** The lowest value and width of a bucket. */
export function bucketRange(index: number): { low: number; width: number } {
  if (index < SUB_COUNT) return { low: index, width: 1 };
  const shift = Math.floor((index - SUB_COUNT) / HALF) + 1;
  const mantissa = ((index - SUB_COUNT) % HALF) + HALF;
  return { low: mantissa * 2 ** shift, width: 2 ** shift };
}

export class Histogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  sumSquares = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  /** Records one latency in microseconds (fractions are rounded; negatives count as 0). */
  record(us: number): void {
    let v = Math.round(us);
    if (!(v > 0)) v = 0;
    else if (v > MAX_VALUE) v = MAX_VALUE;
    this.counts[bucketIndex(v)]! += 1;
    this.count += 1;
    this.sum += v;
    this.sumSquares += v * v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(other: Histogram): this {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    this.sumSquares += other.sumSquares;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    return this;
  }

  /**
   * Nearest-rank percentile: the value below or at which p% of the recorded values fall, reported
   * as its bucket's midpoint clamped to [min, max] (so a constant latency reads back exactly).
   */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const { low, width } = bucketRange(i);
        const mid = width === 1 ? low : low + (width - 1) / 2;
        return Math.min(this.max, Math.max(this.min, Math.round(mid)));
      }
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  stdev(): number {
    if (this.count === 0) return 0;
    const m = this.mean();
    return Math.sqrt(Math.max(0, this.sumSquares / this.count - m * m));
  }

  summary(): LatencySummary {
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      count: this.count,
      min: this.count === 0 ? 0 : this.min,
      mean: round(this.mean()),
      stdev: round(this.stdev()),
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.max,
    };
  }

  toJSON(): SerializedHistogram {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] !== 0) buckets.push([i, this.counts[i]!]);
    return {
      layout: 1,
      count: this.count,
      sum: this.sum,
      sumSquares: this.sumSquares,
      min: this.count === 0 ? 0 : this.min,
      max: this.max,
      buckets,
    };
  }

  static fromJSON(s: SerializedHistogram): Histogram {
    const h = new Histogram();
    for (const [i, c] of s.buckets) {
      if (!Number.isInteger(i) || i < 0 || i >= BUCKETS)
        throw new RangeError(`bucket index ${i} out of range`);
      h.counts[i]! += c;
    }
    h.count = s.count;
    h.sum = s.sum;
    h.sumSquares = s.sumSquares;
    h.min = s.count === 0 ? Number.POSITIVE_INFINITY : s.min;
    h.max = s.max;
    return h;
  }
}
