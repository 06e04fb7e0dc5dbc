import { counter, histogram } from '../metrics/index.js';

/** The push layer's figures. */

export const pushDeliveries = counter({
  name: 'push_deliveries_total',
  help: 'Messages posted to WebSocket connections, by outcome (delivered, gone, timed_out, failed, skipped: the publish deadline came first).',
  labelNames: ['outcome'],
});

export const pushPublishErrors = counter({
  name: 'push_publish_errors_total',
  help: 'Publish calls that could not look up their subscribers or clean up gone connections (Redis down): their messages were dropped.',
});

export const pushPublishDuration = histogram({
  name: 'push_publish_duration_seconds',
  help: 'Time one publish call added to its caller (subscriber lookup, every post, cleanup).',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});
