import { MemorySessionStore } from '../../src/session/memory-store.js';
import { sessionStoreConformance } from './session-store.case.js';

// The in-memory store is the fake the app's unit tests use: proven here to behave like the real
// stores (undici's pattern for its cache stores). One process only: no second instance to open.
sessionStoreConformance(
  'memory',
  async () => {
    const store = new MemorySessionStore();
    return { store, cleanup: () => store.close() };
  },
  { shared: false },
);
