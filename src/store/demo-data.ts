import { THUMB_COUNT, thumbnailPath } from '../assets/static-site.js';

/**
 * The demo data as one deterministic stream of rows: every backend's seed is a sink of this same
 * generator (SQLite: prepared INSERTs in store/seed.ts; PostgreSQL: COPY in
 * store/postgres/pg-seed.ts), so a given --seed gives the same users and photos on both.
 * The PRNG draws in a fixed order (user fields, then that user's photos): changing the order
 * changes every database seeded from now on.
 */

/** The demo data of the talk: "over 100k users and over 1 million photos". */
export const DEFAULT_USERS = 100_000;
/** `flickr-killr seed` and the ladder seed the same data by default, so either may create it. */
export const DEFAULT_SEED = 1;
/** mulberry32: small, fast and deterministic for a given seed (not for secrets). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The pools mix plain text with HTML-dangerous and non-ASCII strings on purpose: every page
// must escape them and keep the UTF-8 intact (tests look for the escaped forms).
const FIRST = [
  'Ada',
  'Grace',
  'Linus',
  'Zoë',
  'José',
  'さくら',
  '太郎',
  'Ольга',
  "O'Brien",
  '"Ziggy"',
  'Tom & Jerry',
  '<b>Bold</b>',
  'Émile',
  '🦊 Fox',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  '山田',
  'Müller',
  'Nguyễn',
  '<script>x</script>',
  "D'Arcy",
  '&amp;Co',
  'Smith',
  'Ωmega',
  '🚀',
];
const HANDLES = [
  'ada',
  'grace',
  'linus',
  'zoe',
  'jose',
  'sakura',
  'taro',
  'olga',
  'obrien',
  'ziggy',
  'emile',
  'fox',
];
const WORDS = [
  'Sunset',
  'Beach',
  'Mountain',
  'Cat',
  'Dog',
  'Tokyo 東京',
  'Café',
  'Rock & Roll',
  '"Quoted"',
  '<img src=x onerror=alert(1)>',
  'Snow ❄️',
  'Party 🎉',
  'Bridge',
  'Forest',
  'Río',
  'Lake',
];
const BIOS = [
  'Photographer.',
  'I like <em>cats</em> & dogs.',
  '写真が好きです。',
  'Just "vibes" 🌈',
  'Amateur; 50mm & 35mm.',
];

/**
 * User 1 is the canary: its profile and first photo carry every dangerous character class, so
 * tests (and the shared smoke suite run against every stage) know exactly what to look for.
 */
export const CANARY = {
  userId: 1,
  name: 'canary',
  displayName: '<script>alert("fk")</script> & 山田 🦊',
  bio: 'O\'Reilly & "friends" <b>not bold</b> — 写真',
  photoTitle: '<img src=x onerror=alert(1)> Café 東京 🎉',
} as const;

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** One user row with its 10–20 photos, as both backends store them (columns in schema order). */
export interface DemoUser {
  id: number;
  name: string;
  displayName: string;
  bio: string;
  joinedAt: string;
  photos: DemoPhoto[];
}

export interface DemoPhoto {
  id: number;
  userId: number;
  title: string;
  takenAt: string;
  thumbnail: string;
}

/** Users 1..users with their photos, photo ids 1.. in the same order. Lazy: nothing is held. */
export function* demoData(users: number, seed: number): Generator<DemoUser> {
  const rnd = prng(seed);
  const base = Date.UTC(2004, 0, 1);
  const span = Date.UTC(2007, 1, 24) - base; // up to the talk (PyCon 2007)
  let photoId = 0;
  for (let id = 1; id <= users; id++) {
    const canary = id === CANARY.userId;
    const joinedAt = new Date(base + Math.floor(rnd() * span)).toISOString();
    const name = canary ? CANARY.name : `${pick(rnd, HANDLES)}${id}`;
    const displayName = canary ? CANARY.displayName : `${pick(rnd, FIRST)} ${pick(rnd, LAST)}`;
    const bio = canary ? CANARY.bio : pick(rnd, BIOS);
    const n = 10 + Math.floor(rnd() * 11); // 10–20 photos each, as in the talk
    const photos: DemoPhoto[] = new Array(n);
    for (let k = 0; k < n; k++) {
      const title =
        canary && k === 0 ? CANARY.photoTitle : `${pick(rnd, WORDS)} ${pick(rnd, WORDS)} #${k + 1}`;
      const takenAt = new Date(base + Math.floor(rnd() * span)).toISOString();
      const thumbnail = thumbnailPath(Math.floor(rnd() * THUMB_COUNT));
      photos[k] = { id: ++photoId, userId: id, title, takenAt, thumbnail };
    }
    yield { id, name, displayName, bio, joinedAt, photos };
  }
}
