import { describe, expect, it } from 'vitest';
import { correlationHeaders, kafkaCorrelationHeaders, withCorrelationId } from '../../../lib/logger/index.js';

describe('correlation headers for downstream calls', () => {
  it('carry the current correlation id as x-correlation-id for HTTP and, as bytes, for Kafka', async () => {
    const [http, kafka] = await withCorrelationId('corr-downstream-1', async () => {
      await Promise.resolve();
      return [correlationHeaders(), kafkaCorrelationHeaders()] as const;
    });

    expect(http).toEqual({ 'x-correlation-id': 'corr-downstream-1' });
    expect(Object.keys(kafka)).toEqual(['x-correlation-id']);
    expect(kafka['x-correlation-id']?.toString('utf8')).toBe('corr-downstream-1');
  });

  it('keep concurrent invocations apart', async () => {
    const ids = ['corr-a', 'corr-b', 'corr-c'];

    const seen = await Promise.all(
      ids.map((id, i) =>
        withCorrelationId(id, async () => {
          await new Promise((resolve) => setTimeout(resolve, 3 - i));
          return correlationHeaders()['x-correlation-id'];
        }),
      ),
    );

    expect(seen).toEqual(ids);
  });

  it('are empty outside an invocation', () => {
    expect(correlationHeaders()).toEqual({});
    expect(kafkaCorrelationHeaders()).toEqual({});
  });
});
