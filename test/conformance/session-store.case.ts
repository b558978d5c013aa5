import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SESSION_ID_RE, type SessionStore } from '../../src/session/session-store.js';

/**
 * One suite for every SessionStore backend (after hono's common.case.test.ts and undici's
 * cache-store-test-utils): each runner file starts its backend and calls this.
 *
 * Expiry runs on real time with short TTLs (Redis expires keys on its own clock, so an injected
 * clock could not reach it); margins are >= 400 ms so a busy shared machine does not flake, and
 * the whole suite sleeps about 1.5 s.
 */
export interface OpenedStore {
  store: SessionStore;
  /** A second, independent instance over the same backend: another app process. */
  openSecond?: () => Promise<SessionStore>;
  cleanup(): Promise<void>;
}

/** `open` may take the test context and return undefined after marking it skipped (server missing outside CI). */
export function sessionStoreConformance(
  name: string,
  open: (t: TestContext) => Promise<OpenedStore | undefined>,
  /** shared: a second instance over the same backend exists (every store but the in-process fake). */
  caps: { shared: boolean } = { shared: true },
): void {
  /** Runs body with a fresh store; cleans up even when an assertion fails. */
  const withStore =
    (body: (o: OpenedStore, t: TestContext) => Promise<unknown>) => async (t: TestContext) => {
      const opened = await open(t);
      if (opened === undefined) return;
      t.after(() => opened.cleanup());
      await body(opened, t);
    };

  describe(`SessionStore conformance: ${name}`, () => {
    test(
      'create gives a fresh 128-bit id; touch finds it with the same user and creation time',
      withStore(async ({ store }) => {
        const before = Date.now();
        const s = await store.create(42, 60_000);
        assert.match(s.id, SESSION_ID_RE);
        assert.equal(s.userId, 42);
        assert.ok(s.createdAt >= before - 5 && s.createdAt <= Date.now() + 5);
        assert.ok(s.expiresAt >= s.createdAt + 60_000 - 5);
        const t1 = await store.touch(s.id, 60_000);
        assert.ok(t1);
        assert.equal(t1.id, s.id);
        assert.equal(t1.userId, 42);
        assert.equal(t1.createdAt, s.createdAt);
        const ids = new Set(
          await Promise.all(Array.from({ length: 20 }, () => store.create(1, 60_000))).then((a) =>
            a.map((x) => x.id),
          ),
        );
        assert.equal(ids.size, 20, 'ids are distinct');
      }),
    );

    test(
      'touch slides expiresAt to now + ttl',
      withStore(async ({ store }) => {
        const s = await store.create(7, 60_000);
        const before = Date.now();
        const t1 = await store.touch(s.id, 120_000);
        assert.ok(t1);
        assert.ok(t1.expiresAt >= before + 120_000 - 5, `${t1.expiresAt} >= ${before + 120_000}`);
        assert.ok(t1.expiresAt <= Date.now() + 120_000 + 5);
      }),
    );

    test(
      'destroy ends a session; destroying an unknown id is not an error',
      withStore(async ({ store }) => {
        const s = await store.create(3, 60_000);
        await store.destroy(s.id);
        assert.equal(await store.touch(s.id, 60_000), undefined);
        await store.destroy(s.id);
        await store.destroy('0'.repeat(32));
        await store.destroy('not an id');
      }),
    );

    test(
      'unknown and forged ids are not sessions (and never reach the backend as commands)',
      withStore(async ({ store }) => {
        const real = await store.create(5, 60_000);
        for (const id of [
          'f'.repeat(32),
          real.id.toUpperCase(),
          real.id.slice(0, 31),
          `${real.id}0`,
          '',
          '../../etc/passwd',
          `${real.id.slice(0, 16)} flush_all`,
          `${real.id}\r\nflush_all`,
          "x' OR '1'='1",
        ]) {
          assert.equal(await store.touch(id, 60_000), undefined, JSON.stringify(id));
        }
        assert.ok(await store.touch(real.id, 60_000), 'the real session survived the forged ones');
      }),
    );

    test(
      'a session expires after its ttl',
      withStore(async ({ store }) => {
        const s = await store.create(9, 150);
        await sleep(350);
        assert.equal(await store.touch(s.id, 60_000), undefined);
      }),
    );

    test(
      'expiry slides: each touch extends it, and the last ttl given is what counts',
      withStore(async ({ store }) => {
        const s = await store.create(11, 700);
        await sleep(300);
        assert.ok(await store.touch(s.id, 1000), 'alive before the first ttl');
        await sleep(500); // past the first ttl, within the slid one
        assert.ok(await store.touch(s.id, 150), 'alive thanks to the slide');
        await sleep(350);
        assert.equal(await store.touch(s.id, 60_000), undefined, 'gone after the last ttl');
      }),
    );

    // The in-process fake is one process by definition: the test does not apply, so it is not defined.
    if (caps.shared)
      test(
        'two store instances (two app processes) see each other’s writes',
        withStore(async ({ store, openSecond }) => {
          assert.ok(openSecond, `${name} is shared: its runner must open a second instance`);
          const other = await openSecond();
          try {
            const s = await store.create(21, 60_000);
            const seen = await other.touch(s.id, 60_000);
            assert.equal(seen?.userId, 21);
            assert.equal(seen?.createdAt, s.createdAt);
            const s2 = await other.create(22, 60_000);
            assert.equal((await store.touch(s2.id, 60_000))?.userId, 22);
            await other.destroy(s.id);
            assert.equal(await store.touch(s.id, 60_000), undefined);
          } finally {
            await other.close();
          }
        }),
      );

    test(
      'concurrent touches from two instances do not lose the session',
      withStore(async ({ store, openSecond }) => {
        const other = openSecond === undefined ? store : await openSecond();
        try {
          const s = await store.create(31, 60_000);
          const results = await Promise.all(
            Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? store : other).touch(s.id, 60_000)),
          );
          for (const r of results) assert.equal(r?.userId, 31);
          assert.equal((await store.touch(s.id, 60_000))?.userId, 31);
          assert.equal((await other.touch(s.id, 60_000))?.userId, 31);
        } finally {
          if (other !== store) await other.close();
        }
      }),
    );

    test(
      'a destroy racing with touches is final: no touch brings the session back',
      withStore(async ({ store, openSecond }) => {
        const other = openSecond === undefined ? store : await openSecond();
        try {
          const s = await store.create(41, 60_000);
          await Promise.all([
            ...Array.from({ length: 20 }, () => other.touch(s.id, 60_000)),
            store.destroy(s.id),
            ...Array.from({ length: 20 }, () => other.touch(s.id, 60_000)),
          ]);
          assert.equal(await store.touch(s.id, 60_000), undefined);
          assert.equal(await other.touch(s.id, 60_000), undefined);
        } finally {
          if (other !== store) await other.close();
        }
      }),
    );
  });
}
