import { indexToggle, openPhotoStore } from '../../src/store/database.js';
import { pgCluster, seededOnce } from '../helpers/pg.js';
import { photoStoreConformance } from './photo-store.case.js';

const DATA = { users: 300, seed: 1 };
const cluster = seededOnce(pgCluster(), DATA.users, DATA.seed);

photoStoreConformance('postgres', DATA, async (t) => {
  const pg = await cluster(t);
  if (pg === undefined) return undefined;
  const store = await openPhotoStore(pg.target);
  return {
    store,
    index: {
      toggle: indexToggle(pg.target),
      // A few hundred users: the planner may pick a bitmap scan over the same index.
      indexed: /(Index Scan using|Bitmap Index Scan on) photos_user_id/,
      scan: /Seq Scan on photos/,
    },
    cleanup: () => store.close(),
  };
});
