import { FkError } from '../errors.js';

/**
 * The app's read model. One interface, several backends: SQLite (store/sqlite-store.ts) and
 * PostgreSQL (store/postgres/pg-store.ts), both held to test/conformance/photo-store.case.ts.
 * Methods are async so a network database fits behind the same interface.
 */
export interface User {
  id: number;
  name: string;
  displayName: string;
  bio: string;
  joinedAt: string; // ISO-8601
}

export interface Photo {
  id: number;
  userId: number;
  title: string;
  takenAt: string; // ISO-8601
  /** Path under the static root, e.g. 'thumbs/t0042.png'. */
  thumbnail: string;
}

export interface PhotoStore {
  getUser(id: number): Promise<User | undefined>;
  findUserByName(name: string): Promise<User | undefined>;
  /** The talk's page query: every photo of one user (10–20). Uses the photos.user_id index when present. */
  photosOf(userId: number): Promise<Photo[]>;
  /** Some users for the front page. */
  someUsers(limit: number): Promise<User[]>;
  userCount(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The database cannot be reached right now (refused, dropped, shutting down, restarting). A
 * networked store throws this from any method; the app answers 503 + Retry-After instead of 500,
 * and the store reconnects by itself once the server is back. Its message names the server
 * without any password.
 */
export class StoreUnavailableError extends FkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_DB_UNREACHABLE', message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A query ran past the store's statement timeout (e.g. the photos.user_id index is missing): 503 too. */
export class StoreTimeoutError extends FkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_DB_TIMEOUT', message, options);
    this.name = 'StoreTimeoutError';
  }
}

/** True for the store errors that mean "try again shortly", not "a bug". */
export function isStoreOutage(e: unknown): e is StoreUnavailableError | StoreTimeoutError {
  return e instanceof StoreUnavailableError || e instanceof StoreTimeoutError;
}
