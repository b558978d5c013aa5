import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import type { IndexToggle } from '../../src/store/database.js';
import { CANARY, type DemoUser, demoData } from '../../src/store/demo-data.js';
import type { Photo, PhotoStore, User } from '../../src/store/photo-store.js';

/**
 * One suite for every PhotoStore backend (pattern: session-store.case.ts): each runner seeds its
 * backend with demoData(users, seed) and calls this. The expectations come from the generator
 * itself, so two backends that pass hold the same users and photos, in the same order, with the
 * same bytes (the canary's HTML-dangerous and non-ASCII text included).
 */
export interface OpenedPhotoStore {
  store: PhotoStore;
  /** When given, the talk's index toggle and the engine's EXPLAIN are checked too. */
  index?: { toggle: IndexToggle; indexed: RegExp; scan: RegExp };
  cleanup(): Promise<void>;
}

const USER_KEYS = ['bio', 'displayName', 'id', 'joinedAt', 'name'];
const PHOTO_KEYS = ['id', 'takenAt', 'thumbnail', 'title', 'userId'];

const userOf = (u: DemoUser): User => ({
  id: u.id,
  name: u.name,
  displayName: u.displayName,
  bio: u.bio,
  joinedAt: u.joinedAt,
});

export function photoStoreConformance(
  name: string,
  data: { users: number; seed: number },
  open: (t: TestContext) => Promise<OpenedPhotoStore | undefined>,
): void {
  const expected = [...demoData(data.users, data.seed)];
  const sample = [...new Set([1, 2, 3, 7, Math.ceil(data.users / 2), data.users - 1, data.users])];

  const withStore =
    (body: (o: OpenedPhotoStore, t: TestContext) => Promise<unknown>) => async (t: TestContext) => {
      const opened = await open(t);
      if (opened === undefined) return;
      t.after(() => opened.cleanup());
      await body(opened, t);
    };

  describe(`PhotoStore conformance: ${name}`, () => {
    test(
      'getUser: the seeded users, exactly the User fields, plain objects',
      withStore(async ({ store }) => {
        for (const id of sample) {
          const u = await store.getUser(id);
          assert.ok(u, `user ${id}`);
          assert.deepEqual(Object.keys(u).sort(), USER_KEYS);
          assert.deepStrictEqual({ ...u }, userOf(expected[id - 1]!));
          assert.equal(Object.getPrototypeOf(u), Object.prototype);
        }
      }),
    );

    test(
      'photosOf: every photo of the user, in id order, with the Photo fields',
      withStore(async ({ store }) => {
        for (const id of sample) {
          const photos = await store.photosOf(id);
          assert.ok(Array.isArray(photos) && Object.getPrototypeOf(photos) === Array.prototype);
          const want: Photo[] = expected[id - 1]!.photos.map((p) => ({ ...p }));
          assert.deepStrictEqual(
            photos.map((p) => ({ ...p })),
            want,
            `photos of ${id}`,
          );
          for (const p of photos) assert.deepEqual(Object.keys(p).sort(), PHOTO_KEYS);
        }
      }),
    );

    test(
      'the canary: HTML-dangerous and non-ASCII text comes back byte for byte',
      withStore(async ({ store }) => {
        const u = await store.getUser(CANARY.userId);
        assert.ok(u);
        assert.equal(u.name, CANARY.name);
        assert.ok(Buffer.from(u.displayName).equals(Buffer.from(CANARY.displayName)));
        assert.ok(Buffer.from(u.bio).equals(Buffer.from(CANARY.bio)));
        const [first] = await store.photosOf(CANARY.userId);
        assert.ok(first);
        assert.ok(Buffer.from(first.title).equals(Buffer.from(CANARY.photoTitle)));
        // And across the data set: emoji (4-byte UTF-8), CJK, markup.
        const risky = expected
          .slice(0, 60)
          .flatMap((x) => x.photos.filter((p) => /<|&|"|🎉|❄|東/u.test(p.title)));
        assert.ok(risky.length > 10);
        for (const p of risky.slice(0, 10)) {
          const got = (await store.photosOf(p.userId)).find((q) => q.id === p.id);
          assert.equal(got?.title, p.title);
        }
      }),
    );

    test(
      'unknown and out-of-range ids are "not found", never an error',
      withStore(async ({ store }) => {
        for (const id of [
          data.users + 1,
          0,
          -1,
          2 ** 31 - 1,
          2 ** 31,
          -(2 ** 31),
          -(2 ** 31) - 1,
          2 ** 53,
          Number.MAX_SAFE_INTEGER,
          Number.NaN,
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          1.5,
        ]) {
          assert.equal(await store.getUser(id), undefined, `getUser(${id})`);
          assert.deepStrictEqual(await store.photosOf(id), [], `photosOf(${id})`);
        }
      }),
    );

    test(
      'findUserByName: exact, case-sensitive match; odd input finds nobody',
      withStore(async ({ store }) => {
        assert.equal((await store.findUserByName(CANARY.name))?.id, CANARY.userId);
        const mid = expected[Math.ceil(data.users / 2) - 1]!;
        assert.deepStrictEqual({ ...(await store.findUserByName(mid.name)) }, userOf(mid));
        for (const odd of [
          '',
          ' canary',
          'canary ',
          'CANARY',
          'canary\u0000',
          '\u0000',
          "' OR '1'='1",
          'canary%',
          '_anary',
          'a'.repeat(10_000),
          '\uD800',
          '🦊',
          CANARY.displayName,
        ]) {
          assert.equal(await store.findUserByName(odd), undefined, JSON.stringify(odd.slice(0, 20)));
        }
      }),
    );

    test(
      'someUsers and userCount',
      withStore(async ({ store }) => {
        assert.equal(await store.userCount(), data.users);
        assert.deepStrictEqual(
          (await store.someUsers(3)).map((u) => ({ ...u })),
          expected.slice(0, 3).map(userOf),
        );
        assert.deepStrictEqual(
          (await store.someUsers(data.users + 10)).map((u) => u.id),
          expected.map((u) => u.id),
        );
        for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
          assert.deepStrictEqual(await store.someUsers(bad), [], `someUsers(${bad})`);
        }
      }),
    );

    test(
      'concurrent calls (pipelined on a network store) each get their own answer',
      withStore(async ({ store }) => {
        const ids = Array.from({ length: 80 }, (_, i) => 1 + ((i * 37) % data.users));
        const got = await Promise.all(
          ids.map(async (id) => [await store.getUser(id), await store.photosOf(id)] as const),
        );
        got.forEach(([u, photos], i) => {
          const want = expected[ids[i]! - 1]!;
          assert.equal(u?.name, want.name);
          assert.deepStrictEqual(
            photos.map((p) => p.id),
            want.photos.map((p) => p.id),
          );
        });
      }),
    );

    test(
      'the photos.user_id index toggles, changing the plan but not the answer (the talk\u2019s "Don\u2019t forget to index")',
      withStore(async ({ store, index }, t) => {
        if (index === undefined) return t.skip('no index toggle for this backend');
        const { toggle } = index;
        const before = await store.photosOf(5);
        try {
          assert.equal(await toggle.exists(), true);
          assert.match(await toggle.plan(), index.indexed);
          await toggle.drop();
          assert.equal(await toggle.exists(), false);
          assert.match(await toggle.plan(), index.scan);
          assert.deepStrictEqual(await store.photosOf(5), before, 'a running store keeps answering');
          await toggle.drop(); // idempotent
          await toggle.create();
          assert.equal(await toggle.exists(), true);
          assert.match(await toggle.plan(), index.indexed);
          assert.deepStrictEqual(await store.photosOf(5), before);
          await toggle.create(); // idempotent
        } finally {
          if (!(await toggle.exists())) await toggle.create();
        }
      }),
    );
  });
}
