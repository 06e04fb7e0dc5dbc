import { z } from 'zod';
import { defineRoute } from '../router/index.js';

/** GET /metrics, served by functions/metrics and documented by lib/openapi. */
export const metricsApi = {
  metrics: defineRoute({
    method: 'GET', path: '/metrics', operationId: 'getMetrics', tag: 'operations', auth: 'admin',
    summary: 'Prometheus text exposition of the figures that go to CloudWatch as EMF (admin token; scrapers send one)',
    response: { status: 200, description: 'Prometheus text format 0.0.4', schema: z.string(), contentType: 'text/plain; version=0.0.4' },
  }),
};
