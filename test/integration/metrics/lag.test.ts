import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConsumerLag, recordAndEvaluate, LAG_WINDOW } from '../../../lib/metrics/lag.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { setEnv } from '../../helpers/config.js';
import { testCachePrefix } from '../../helpers/env.js';
import { lagFixture, type LagFixture } from './kafka.js';

/**
 * Consumer lag against the real Kafka: a topic and group of this test's own, offsets committed by
 * the test. Time moves through the `now` given to each reading (and the records' own timestamps),
 * so a "minute" between samples costs nothing.
 */

const MINUTE = 60_000;
let kafka: LagFixture;
let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  restoreEnv = setEnv({ CACHE_PREFIX: `${testCachePrefix()}_lag${Date.now().toString(36)}` });
  kafka = await lagFixture(2);
});

afterAll(async () => {
  await kafka.close();
  await closeRedis();
  restoreEnv?.();
});

describe('consumer lag', () => {
  it('grows in messages and seconds while the group stops committing, flags the partition, and clears once it drains', async () => {
    const t0 = Date.now() - 60 * MINUTE;
    const sample = async (minute: number) => {
      const now = t0 + minute * MINUTE + 30_000;
      const lags = await readConsumerLag(kafka.admin, { topic: kafka.topic, groupId: kafka.groupId, now });
      const status = await recordAndEvaluate(kafka.groupId, kafka.topic, now, lags);
      return { p0: lags.find((l) => l.partition === 0)!, p1: lags.find((l) => l.partition === 1)!, status: status.get(0), statusP1: status.get(1) };
    };

    // Minute 0: 5 records consumed and committed on partition 0; partition 1 stays empty.
    await kafka.produce(0, 5, (i) => t0 + i * 1000);
    await kafka.commit({ 0: 5, 1: 0 });
    const caughtUp = await sample(0);
    expect(caughtUp.p0).toMatchObject({ committed: 5, high: 5, lagMessages: 0, lagSeconds: 0 });
    expect(caughtUp.status).toBe('ok');

    // The consumer stops: 3 records a minute arrive and nothing is committed.
    const readings = [];
    for (let minute = 1; minute <= LAG_WINDOW; minute++) {
      await kafka.produce(0, 3, (i) => t0 + minute * MINUTE + i * 1000);
      readings.push(await sample(minute));
    }
    expect(readings.map((r) => r.p0.lagMessages)).toEqual([3, 6, 9, 12]);
    // The oldest unconsumed record is the first of minute 1: its age at each sample, within the 2 % / 1 s precision.
    readings.forEach((r, i) => {
      const trueAgeS = (i * MINUTE + 30_000) / 1000;
      expect(r.p0.lagSeconds).toBeGreaterThanOrEqual(trueAgeS);
      expect(r.p0.lagSeconds).toBeLessThanOrEqual(Math.max(trueAgeS * 1.02, trueAgeS + 1));
    });
    // Flagged once every sample of the window has lag and the committed offset never moved.
    expect(readings.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'stalled']);
    expect(readings.every((r) => r.statusP1 === 'ok' && r.p1.lagMessages === 0)).toBe(true);

    // The consumer resumes and commits everything: lag drains and the flag clears.
    await kafka.commit({ 0: 5 + 3 * LAG_WINDOW });
    const drained = await sample(LAG_WINDOW + 1);
    expect(drained.p0).toMatchObject({ lagMessages: 0, lagSeconds: 0 });
    expect(drained.status).toBe('ok');
  });

  it('counts a group that never committed from the low watermark', async () => {
    const fresh = await lagFixture(1);
    try {
      await fresh.produce(0, 4, (i) => Date.now() - 10_000 + i);
      const [lag] = await readConsumerLag(fresh.admin, { topic: fresh.topic, groupId: fresh.groupId, now: Date.now() });
      expect(lag).toMatchObject({ partition: 0, committed: null, lagMessages: 4 });
      expect(lag!.lagSeconds).toBeGreaterThanOrEqual(10);
    } finally {
      await fresh.close();
    }
  });
});
