import { performance } from 'node:perf_hooks';

/**
 * Time as the engine and recorder see it. Injected so that a "30 s" run finishes in
 * milliseconds in a test with exact counts and percentiles (k6 tests its executors this way).
 */
export interface Clock {
  /** Monotonic microseconds (fractions allowed). */
  now(): number;
  /** Runs fn after ms milliseconds; returns a handle for cancel(). */
  setTimer(fn: () => void, ms: number): unknown;
  cancel(handle: unknown): void;
  /** How late a timer may fire (µs): the open-loop engine sends that much early instead. */
  readonly resolutionUs: number;
}

export const realClock: Clock = {
  // Node timers have millisecond granularity (libuv's loop time).
  resolutionUs: 1000,
  now: () => performance.now() * 1000,
  setTimer: (fn, ms) => setTimeout(fn, ms),
  cancel: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Virtual time: nothing happens until the test calls run(); timers fire in time order and the clock
 * jumps straight to each one. A fake transport uses the same timers to deliver responses.
 */
export class FakeClock implements Clock {
  private t = 0;

  /** resolutionUs > 0 makes the engine behave as on real, millisecond-granular timers. */
  constructor(readonly resolutionUs = 0) {}

  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const timer: Timer = { at: this.t + Math.max(0, ms) * 1000, seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return timer;
  }

  /** Same as setTimer, in microseconds (responses in tests need sub-millisecond latencies). */
  afterUs(us: number, fn: () => void): Timer {
    return this.setTimer(fn, us / 1000);
  }

  cancel(handle: unknown): void {
    if (handle) (handle as Timer).cancelled = true;
  }

  /** Fires timers in order until none is left or `untilUs` is reached; returns how many fired. */
  run(untilUs = Number.POSITIVE_INFINITY, maxTimers = 50_000_000): number {
    let fired = 0;
    while (fired < maxTimers) {
      let best = -1;
      for (let i = 0; i < this.timers.length; i++) {
        const c = this.timers[i]!;
        if (c.cancelled) continue;
        const b = best < 0 ? undefined : this.timers[best]!;
        if (!b || c.at < b.at || (c.at === b.at && c.seq < b.seq)) best = i;
      }
      if (best < 0) break;
      const timer = this.timers[best]!;
      if (timer.at > untilUs) break;
      this.timers.splice(best, 1);
      if (timer.at > this.t) this.t = timer.at;
      fired += 1;
      timer.fn();
      if (this.timers.length > 1024) this.timers = this.timers.filter((x) => !x.cancelled);
    }
    return fired;
  }

  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
