import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';

/**
 * The event EventBridge delivers to a function on a schedule rule, for invoking scheduled
 * functions by hand (`npm run invoke`) and in end-to-end tests. The account and region are
 * placeholders: locally nothing checks them.
 */
export function scheduledEvent(rule: string): ScheduledEvent<Record<string, never>> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:000000000000:rule/${rule}`],
    detail: {},
  };
}
