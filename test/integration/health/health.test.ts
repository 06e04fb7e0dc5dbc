import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeDb } from '../../../lib/db/index.js';
import { UnavailableError } from '../../../lib/errors/index.js';
import { checkHealth } from '../../../lib/health/index.js';
import { closeKafka, pingKafka } from '../../../lib/kafka/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { withEnv } from '../../helpers/config.js';

describe('health checks against the real services', () => {
  afterEach(async () => {
    await closeKafka();
  });

  afterAll(async () => {
    await Promise.all([closeDb(), closeRedis(), closeKafka()]);
  });

  it('reports PostgreSQL, Redis and Kafka up with their latencies', async () => {
    const report = await checkHealth();

    expect(report.status, JSON.stringify(report)).toBe('ok');
    expect(Object.keys(report.components).sort()).toEqual(['database', 'kafka', 'redis']);
    for (const component of Object.values(report.components)) expect(component.latency_ms).toBeGreaterThan(0);
  });

  it('reports a Kafka broker nobody listens on as unavailable, and recovers once the broker is right', async () => {
    await withEnv({ KAFKA_BROKERS: '127.0.0.1:1' }, async () => {
      await closeKafka();
      await expect(pingKafka()).rejects.toBeInstanceOf(UnavailableError);
    });

    await closeKafka();
    await expect(pingKafka()).resolves.toBeGreaterThan(0);
  });
});
