import { StoreUnavailableError } from '../photo-store.js';

/**
 * Fails fast while the database is known to be down. Without it, every request of an outage
 * queues in postgres.js behind the pool's reconnect attempts, which run one at a time with
 * back-off: measured with a pool of 1, requests waited ~5 s each for their 503, and the queue
 * still drained after the server was back. With it, one probe goes through per `probeEveryMs`;
 * every other call fails at once with the last outage error (a 503 in milliseconds), and the
 * first probe that succeeds closes the breaker for everyone. Timeouts do not trip it: a slow
 * query says nothing about the others. Shared by the stores of one pool (store/postgres/pool.ts).
 */
export class OutageBreaker {
  private down: StoreUnavailableError | undefined;
  private lastProbe = 0;

  constructor(
    private readonly probeEveryMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True while an outage is known (for tests and logs). */
  get isOpen(): boolean {
    return this.down !== undefined;
  }

  async run<T>(call: () => Promise<T>, mapError: (e: unknown) => unknown): Promise<T> {
    if (this.down !== undefined) {
      const t = this.now();
      if (t - this.lastProbe < this.probeEveryMs) {
        throw new StoreUnavailableError(this.down.message, { cause: this.down.cause });
      }
      this.lastProbe = t;
    }
    let result: T;
    try {
      result = await call();
    } catch (e) {
      const mapped = mapError(e);
      if (mapped instanceof StoreUnavailableError) {
        if (this.down === undefined) this.lastProbe = this.now();
        this.down = mapped;
      }
      throw mapped;
    }
    this.down = undefined;
    return result;
  }
}
