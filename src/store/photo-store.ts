/**
 * The app's read model. One interface, several backends: SQLite now (store/sqlite-store.ts),
 * PostgreSQL later. Methods are async so a network database fits behind the same interface.
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
