import { RedisClient } from '../../src/clients/redis/client.js';
import { RedisSessionStore } from '../../src/session/redis-store.js';
import { redisServer } from '../helpers/backend-servers.js';
import { sessionStoreConformance } from './session-store.case.js';

const server = redisServer();

sessionStoreConformance('redis', async (t) => {
  const redis = await server(t);
  if (redis === undefined) return undefined;
  const store = new RedisSessionStore(new RedisClient(redis.url));
  return {
    store,
    openSecond: async () => new RedisSessionStore(new RedisClient(redis.url)),
    cleanup: () => store.close(),
  };
});
