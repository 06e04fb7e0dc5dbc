import { eventsApi, listEvents, listMyEvents } from '../../lib/events/index.js';
import { ingestApi, ingestHttpBatch } from '../../lib/ingest/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** Telematics events (SPEC 4): a driver's events in a time range, and HTTP ingestion of a batch for devices that cannot reach Kafka. */
export const handler = routeByKey({
  ...serveRoute(eventsApi.mine, ({ principal, query }) => listMyEvents(principal, query)),
  ...serveRoute(eventsApi.ofDriver, ({ principal, path, query }) => listEvents(principal, path.driverId, query)),
  ...serveRoute(ingestApi.batch, ({ principal, body }) => ingestHttpBatch(principal, body)),
});
