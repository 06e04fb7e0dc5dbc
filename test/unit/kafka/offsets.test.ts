import { describe, expect, it, vi } from 'vitest';
import { readLagMessages, type OffsetsAdmin } from '../../../lib/kafka/index.js';

/**
 * The OffsetFetch retry of readLagMessages, with a stand-in admin (the real broker's behaviour on a
 * new cluster is proven by test/integration/metrics/lag-new-cluster.test.ts): which errors are
 * retried, and that an aborted reading stops retrying.
 */

const notReady = Object.assign(new Error('This is not the correct coordinator for this group'), { type: 'NOT_COORDINATOR_FOR_GROUP', retriable: true });
const timedOut = Object.assign(new Error('Request OffsetFetch timed out'), { type: 'REQUEST_TIMED_OUT', retriable: true });

function admin(fetchOffsets: OffsetsAdmin['fetchOffsets']): OffsetsAdmin {
  return {
    fetchTopicOffsets: () => Promise.resolve([{ partition: 1, offset: '9', high: '9', low: '2' }, { partition: 0, offset: '7', high: '7', low: '0' }]),
    fetchOffsets,
  };
}

describe('readLagMessages', () => {
  it('retries a coordinator that is not ready yet, then reads each partition against its committed offset or its low watermark', async () => {
    const fetchOffsets = vi.fn<OffsetsAdmin['fetchOffsets']>()
      .mockRejectedValueOnce(notReady)
      .mockResolvedValueOnce([{ topic: 't', partitions: [{ partition: 0, offset: '5', metadata: null }, { partition: 1, offset: '-1', metadata: null }] }]);

    const lags = await readLagMessages(admin(fetchOffsets), 't', 'g');

    expect(fetchOffsets).toHaveBeenCalledTimes(2);
    expect(lags).toEqual([
      { partition: 0, committed: 5, position: 5, high: 7, lagMessages: 2 },
      { partition: 1, committed: null, position: 2, high: 9, lagMessages: 7 },
    ]);
  });

  it('fails at once on any other error, retriable or not', async () => {
    const fetchOffsets = vi.fn<OffsetsAdmin['fetchOffsets']>().mockRejectedValue(timedOut);

    await expect(readLagMessages(admin(fetchOffsets), 't', 'g')).rejects.toBe(timedOut);
    expect(fetchOffsets).toHaveBeenCalledTimes(1);
  });

  it('stops retrying once its signal aborts: no request after the caller gave up', async () => {
    const gaveUp = new AbortController();
    const fetchOffsets = vi.fn<OffsetsAdmin['fetchOffsets']>().mockImplementation(() => {
      gaveUp.abort();
      return Promise.reject(notReady);
    });

    await expect(readLagMessages(admin(fetchOffsets), 't', 'g', gaveUp.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(fetchOffsets).toHaveBeenCalledTimes(1);
  });
});
