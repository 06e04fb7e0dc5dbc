import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it, vi } from 'vitest';
import { createKafka } from '../../../lib/kafka/index.js';

/**
 * kafkajs 2.2.4 schedules a check of its request queue after every broker response, at
 * "throttled until" minus now, which is minus the current time when nothing is throttled: Node
 * runs it after 1 ms, the check schedules itself again, and every open connection spins a 1 ms
 * timer loop for as long as it lives (tulios/kafkajs#1704, #1751; about 800 wake-ups and 60-75 ms
 * of CPU a second per idle connection here, and the TimeoutNegativeWarning on Node 24).
 * patches/kafkajs+2.2.4.patch stops scheduling when nothing waits and nothing is throttled; this
 * proves it is applied to the installed kafkajs.
 */

type RequestQueuePrototype = { checkPendingRequests: () => void };
const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueuePrototype };

afterEach(() => vi.restoreAllMocks());

it('leaves an idle connection without timers: no queue checks while nothing is pending, and no negative timeout', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.name);
  process.on('warning', onWarning);
  const checks = vi.spyOn(RequestQueue.prototype, 'checkPendingRequests');
  const admin = createKafka().admin();
  try {
    await admin.connect();
    await admin.listTopics();
    const afterResponses = checks.mock.calls.length;
    // Idle: no request is sent, so the queue has nothing to check.
    await sleep(300);
    expect(checks.mock.calls.length - afterResponses).toBe(0);
    expect(warnings.filter((name) => name === 'TimeoutNegativeWarning')).toEqual([]);
  } finally {
    process.off('warning', onWarning);
    await admin.disconnect();
  }
});
