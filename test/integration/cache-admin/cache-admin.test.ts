import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/cache-admin/handler.js';
import type { Principal } from '../../../lib/auth/index.js';
import { cacheAdminApi, type CacheStats, type InvalidateResult } from '../../../lib/cache-admin/index.js';
import { createCache, publishCacheStats } from '../../../lib/cache/index.js';
import { callRoute } from '../../helpers/api.js';
import { testSql } from '../../helpers/db.js';
import { createLogin, removeLogins } from '../../helpers/fixtures.js';

/** Cache administration in-process against the real Redis. */
describe('cache admin', () => {
  const sql = testSql();
  const cache = createCache({ name: 'cache-admin-test', ttl: 60_000 });
  let admin: Principal;
  let loads = 0;
  const read = (key: string, group: string) => cache.getOrLoad(key, () => ++loads, { groups: [group] });

  beforeAll(async () => {
    admin = await createLogin(sql, 'admin');
  });

  afterAll(async () => {
    await removeLogins(sql, [admin]);
    await sql.end({ timeout: 5 });
  });

  it('invalidates a group: the next read of its keys loads again', async () => {
    const group = `test-group:${Date.now()}`;
    const first = await read('k1', group);
    const cached = await read('k1', group);
    const answer = await callRoute<InvalidateResult>(handler, cacheAdminApi.invalidate, { as: admin, body: { group } });
    const reloaded = await read('k1', group);

    expect(cached).toBe(first);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ invalidated: { group }, propagated: true });
    expect(reloaded).toBe(first + 1);
  });

  it('invalidates one key of a cache by name', async () => {
    const first = await read('k2', 'other-group');
    const answer = await callRoute<InvalidateResult>(handler, cacheAdminApi.invalidate, { as: admin, body: { cache: cache.name, key: 'k2' } });
    const reloaded = await read('k2', 'other-group');

    expect(answer.body.propagated).toBe(true);
    expect(reloaded).toBe(first + 1);
  });

  it('reports the fleet\'s counters and hit ratio per cache, and refuses a body that is neither form', async () => {
    await publishCacheStats();
    const stats = await callRoute<CacheStats>(handler, cacheAdminApi.stats, { as: admin });
    const neither = await callRoute(handler, cacheAdminApi.invalidate, { as: admin, body: { group: 'x', key: 'y' } });

    expect(stats.status).toBe(200);
    const counters = stats.body.caches[cache.name];
    expect(counters?.loads).toBe(loads);
    expect(counters?.instances).toBe(1);
    expect(counters?.hit_ratio).toBeGreaterThan(0);
    expect(neither.status).toBe(400);
  });
});
