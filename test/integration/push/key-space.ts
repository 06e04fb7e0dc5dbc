import { afterAll, beforeAll, beforeEach } from 'vitest';
import { closeRedis } from '../../../lib/redis/index.js';
import { setEnv, type EnvChanges } from '../../helpers/config.js';
import { deleteKeysWithPrefix, rawRedis, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

/**
 * A Redis key space of the calling test file's own (CACHE_PREFIX), emptied before each test and at
 * the end, with `env` applied for the file; returns a plain client for arranging and asserting.
 */
export function pushKeySpace(label: string, env: EnvChanges = {}) {
  const prefix = uniquePrefix(label);
  const redis = rawRedis();
  let restoreEnv: (() => void) | undefined;
  beforeAll(() => {
    restoreEnv = setEnv({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, ...env });
  });
  beforeEach(() => deleteKeysWithPrefix(redis, prefix));
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await closeRedis();
    restoreEnv?.();
  });
  return { prefix, redis };
}
