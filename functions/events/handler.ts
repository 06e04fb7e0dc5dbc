import { HTTP_BATCH_MAX_BODY_BYTES, httpEventBatch, ingestHttpBatch } from '../../lib/ingest/index.js';
import { httpHandler } from '../../lib/middleware/index.js';
import { notImplemented, routeByKey } from '../../lib/router/index.js';

/** Telematics events (SPEC 4): a driver's events in a time range, and HTTP ingestion of a batch for devices that cannot reach Kafka. */
export const handler = routeByKey({
  'GET /api/v1/drivers/me/events': notImplemented,
  'GET /api/v1/drivers/{driverId}/events': notImplemented,
  'POST /api/v1/events': (route) =>
    httpHandler({ route, auth: 'driver', schemas: { body: httpEventBatch }, maxBodyBytes: HTTP_BATCH_MAX_BODY_BYTES }, ({ principal, body }) =>
      ingestHttpBatch(principal, body),
    ),
});
