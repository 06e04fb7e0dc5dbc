import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../lib/auth/index.js';
import { getConfig } from '../../../lib/config/index.js';
import { changeSubscriptions, findConnection, registerConnection, removeConnections, subscribersOf } from '../../../lib/push/index.js';
import { connectionKeys } from '../../helpers/push.js';
import { pushKeySpace } from './key-space.js';

/** Connections and subscriptions in the real Redis: what each key holds and how long it lives. */

const { redis } = pushKeySpace('push-connections', { PUSH_CONNECTION_TTL_S: '600' });
const DRIVER: Principal = { userId: 5, role: 'driver', driverId: 42 };

describe('connections in Redis', () => {
  it('keep who connected and their topics, every key expiring PUSH_CONNECTION_TTL_S after the last activity', async () => {
    await registerConnection('c1', DRIVER, new Date('2026-12-01T10:00:00Z'));
    await changeSubscriptions('c1', { add: ['driver:42', 'fleet'], current: [] });
    const ttlMs = getConfig().push.connectionTtlS * 1000;

    expect(await findConnection('c1')).toEqual({
      entry: { userId: 5, role: 'driver', driverId: 42, connectedAt: '2026-12-01T10:00:00.000Z' },
      topics: expect.arrayContaining(['driver:42', 'fleet']) as string[],
    });
    for (const key of connectionKeys('c1', ['driver:42', 'fleet'])) {
      const ttl = await redis.pttl(key);
      expect(ttl, key).toBeGreaterThan(ttlMs - 5_000);
      expect(ttl, key).toBeLessThanOrEqual(ttlMs);
    }
  });

  it('refresh the expiry of the connection and of every topic it keeps when it changes its subscriptions', async () => {
    await registerConnection('c1', DRIVER);
    await changeSubscriptions('c1', { add: ['driver:42', 'fleet'], current: [] });
    for (const key of connectionKeys('c1', ['driver:42', 'fleet'])) await redis.pexpire(key, 1_000);

    await changeSubscriptions('c1', { remove: ['fleet'], current: ['driver:42', 'fleet'] });

    for (const key of connectionKeys('c1', ['driver:42'])) expect(await redis.pttl(key), key).toBeGreaterThan(getConfig().push.connectionTtlS * 1000 - 5_000);
    expect(await subscribersOf(['driver:42', 'fleet'])).toEqual(new Map([['driver:42', ['c1']]]));
  });

  it('forget a removed connection everywhere, leaving the others', async () => {
    await registerConnection('c1', DRIVER);
    await registerConnection('c2', DRIVER);
    await changeSubscriptions('c1', { add: ['driver:42'], current: [] });
    await changeSubscriptions('c2', { add: ['driver:42'], current: [] });

    await removeConnections(['c1']);

    expect(await findConnection('c1')).toBeUndefined();
    expect(await redis.exists(...connectionKeys('c1'))).toBe(0);
    expect(await subscribersOf(['driver:42'])).toEqual(new Map([['driver:42', ['c2']]]));
  });
});
