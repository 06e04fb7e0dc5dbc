import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyWebsocketEventV2, ScheduledEvent } from 'aws-lambda';

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

/**
 * A message event of the WebSocket API (route `routeKey`, as `$request.body.action` selected it)
 * on a made-up connection, for invoking the push function by hand and in end-to-end tests.
 */
export function websocketMessageEvent(routeKey: string, body: string, connectionId: string = randomUUID()): APIGatewayProxyWebsocketEventV2 {
  const now = Date.now();
  return {
    requestContext: {
      routeKey,
      messageId: randomUUID(),
      eventType: 'MESSAGE',
      extendedRequestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      messageDirection: 'IN',
      stage: 'local',
      connectedAt: now,
      requestTimeEpoch: now,
      requestId: randomUUID(),
      domainName: 'localhost',
      connectionId,
      apiId: 'private',
    },
    body,
    isBase64Encoded: false,
  };
}
