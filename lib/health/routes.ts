import { z } from 'zod';
import { defineRoute } from '../router/index.js';

const component = z.object({
  status: z.enum(['up', 'down']),
  latency_ms: z.number().min(0),
  error: z.enum(['timeout', 'unreachable']).optional(),
});

export const healthReport = z
  .object({ status: z.enum(['ok', 'unavailable']), components: z.record(z.string(), component), version: z.string() })
  .meta({ id: 'HealthReport' });

/** GET /health, served by functions/health and documented by lib/openapi. */
export const healthApi = {
  health: defineRoute({
    method: 'GET', path: '/health', operationId: 'getHealth', tag: 'operations', auth: 'public',
    summary: 'Reachability of the database, Redis and Kafka, with latencies',
    response: { status: 200, description: 'Every component is up', schema: healthReport },
    otherResponses: { 503: { description: 'A component is down (the report says which)', schema: healthReport } },
  }),
};
