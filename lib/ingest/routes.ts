import { defineRoute } from '../router/index.js';
import { HTTP_BATCH_MAX_BODY_BYTES, MAX_HTTP_BATCH_EVENTS, httpEventBatch, httpEventBatchResult } from './schema.js';

/** HTTP batch ingestion (SPEC 4, 6), served by functions/events and documented by lib/openapi. */
export const ingestApi = {
  batch: defineRoute({
    method: 'POST', path: '/api/v1/events', operationId: 'ingestEvents', tag: 'events', auth: 'driver',
    summary: `Ingest a batch of up to ${MAX_HTTP_BATCH_EVENTS} telematics events, for devices that cannot reach Kafka`,
    description:
      'The same validation, idempotency (event_id + ts) and trip aggregation as the Kafka path. A driver posts only events of their own ' +
      `driver id and vehicles; an invalid event is a 400 naming it and nothing is written. Body limit ${HTTP_BATCH_MAX_BODY_BYTES} bytes.`,
    request: { body: httpEventBatch },
    maxBodyBytes: HTTP_BATCH_MAX_BODY_BYTES,
    response: { status: 200, description: 'How many events were stored and how many were already there', schema: httpEventBatchResult },
  }),
};
