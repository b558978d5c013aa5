import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { indexToggle, openPhotoStore } from '../../src/store/database.js';
import { seedDatabase } from '../../src/store/seed.js';
import { photoStoreConformance } from './photo-store.case.js';

const DATA = { users: 300, seed: 1 };
const dir = mkdtempSync(join(tmpdir(), 'fk-photo-store-'));
const path = join(dir, 'fk.db');
before(() => seedDatabase({ dbPath: path, ...DATA, force: false }));
after(() => rmSync(dir, { recursive: true, force: true }));

photoStoreConformance('sqlite', DATA, async () => {
  const target = { kind: 'sqlite', path } as const;
  const store = await openPhotoStore(target);
  return {
    store,
    index: {
      toggle: indexToggle(target),
      indexed: /USING (COVERING )?INDEX photos_user_id/,
      scan: /^SCAN photos/,
    },
    cleanup: () => store.close(),
  };
});
