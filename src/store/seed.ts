import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { THUMB_COUNT, thumbnailPath } from '../assets/static-site.js';
import { FkError } from '../errors.js';
import { CREATE_TABLES, CREATE_USER_ID_INDEX } from './schema.js';

/** The demo data of the talk: "over 100k users and over 1 million photos". */
export const DEFAULT_USERS = 100_000;
/** `flickr-killr seed` and the ladder seed the same data by default, so either may create it. */
export const DEFAULT_SEED = 1;

export interface SeedOptions {
  dbPath: string;
  /** Users 1..N (the talk: "over 100k users and over 1 million photos"). */
  users: number;
  seed: number;
  force: boolean;
  /** Called now and then with the fraction done (0..1). */
  onProgress?: (fraction: number, phase: string) => void;
}

export interface SeedResult {
  users: number;
  photos: number;
  ms: number;
}

/** mulberry32: small, fast and deterministic for a given seed (not for secrets). */
function prng(seed: number): () => number {
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

/**
 * Creates the demo database: one transaction, prepared statements, the index built after the
 * bulk insert (field notes: 1–2 s for 100k users + 1M photos). It writes a temp file next to the
 * target and renames it when complete, so an interrupted seed never leaves half a database and an
 * existing one is never touched without --force.
 */
export function seedDatabase(o: SeedOptions): SeedResult {
  const started = performance.now();
  if (existsSync(o.dbPath) && !o.force) {
    throw new FkError('E_DB_EXISTS', `a database already exists at ${o.dbPath}`);
  }
  mkdirSync(dirname(o.dbPath), { recursive: true });
  const tmp = `${o.dbPath}.seeding-${process.pid}`;
  rmSync(tmp, { force: true });
  const db = new Database(tmp);
  let photos = 0;
  try {
    // The temp file is thrown away on failure, so durability during the bulk load buys nothing.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    for (const sql of CREATE_TABLES) db.exec(sql);
    const insUser = db.prepare(
      'INSERT INTO users (id, name, display_name, bio, joined_at) VALUES (?, ?, ?, ?, ?)',
    );
    const insPhoto = db.prepare(
      'INSERT INTO photos (id, user_id, title, taken_at, thumbnail) VALUES (?, ?, ?, ?, ?)',
    );
    const rnd = prng(o.seed);
    const base = Date.UTC(2004, 0, 1);
    const span = Date.UTC(2007, 1, 24) - base; // up to the talk (PyCon 2007)
    const step = Math.max(1, Math.floor(o.users / 100));
    db.transaction(() => {
      for (let id = 1; id <= o.users; id++) {
        const canary = id === CANARY.userId;
        const joined = new Date(base + Math.floor(rnd() * span)).toISOString();
        insUser.run(
          id,
          canary ? CANARY.name : `${pick(rnd, HANDLES)}${id}`,
          canary ? CANARY.displayName : `${pick(rnd, FIRST)} ${pick(rnd, LAST)}`,
          canary ? CANARY.bio : pick(rnd, BIOS),
          joined,
        );
        const n = 10 + Math.floor(rnd() * 11); // 10–20 photos each, as in the talk
        for (let k = 0; k < n; k++) {
          photos++;
          const title =
            canary && k === 0 ? CANARY.photoTitle : `${pick(rnd, WORDS)} ${pick(rnd, WORDS)} #${k + 1}`;
          const taken = new Date(base + Math.floor(rnd() * span)).toISOString();
          insPhoto.run(photos, id, title, taken, thumbnailPath(Math.floor(rnd() * THUMB_COUNT)));
        }
        if (o.onProgress && id % step === 0) o.onProgress(id / o.users, 'rows');
      }
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('seed', String(o.seed));
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('users', String(o.users));
    })();
    o.onProgress?.(1, 'index');
    db.exec(CREATE_USER_ID_INDEX);
    // WAL lets app processes read while another writes a session (stages with N processes).
    db.pragma('journal_mode = WAL');
    db.close();
  } catch (e) {
    if (db.open) db.close();
    rmSync(tmp, { force: true });
    throw e;
  }
  // A stale -wal/-shm of the database being replaced would be replayed onto the new file.
  rmSync(`${o.dbPath}-wal`, { force: true });
  rmSync(`${o.dbPath}-shm`, { force: true });
  renameSync(tmp, o.dbPath);
  return { users: o.users, photos, ms: performance.now() - started };
}
