import { scheduledEvent } from '../../scripts/lib/events.js';

/**
 * The functions SPEC section 2 requires, as the e2e tests exercise them: one route for each HTTP
 * function, and for each non-HTTP function the event its trigger delivers.
 */

export interface HttpProbe {
  fn: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

export const HTTP_PROBES: readonly HttpProbe[] = [
  { fn: 'auth', method: 'POST', path: '/api/v1/auth/login', body: {} },
  { fn: 'drivers', method: 'GET', path: '/api/v1/drivers' },
  { fn: 'trips', method: 'GET', path: '/api/v1/drivers/me/trips' },
  { fn: 'events', method: 'GET', path: '/api/v1/drivers/me/events' },
  { fn: 'risk', method: 'GET', path: '/api/v1/drivers/me/risk' },
  { fn: 'premiums', method: 'GET', path: '/api/v1/drivers/me/premium' },
  { fn: 'dashboard', method: 'GET', path: '/api/v1/admin/dashboard/summary' },
  { fn: 'cache-admin', method: 'GET', path: '/api/v1/admin/cache/stats' },
  { fn: 'health', method: 'GET', path: '/health' },
  { fn: 'metrics', method: 'GET', path: '/metrics' },
];

export interface InvokeProbe {
  fn: string;
  event: unknown;
}

export const INVOKE_PROBES: readonly InvokeProbe[] = [
  // A batch with no records: what the Kafka event source never sends, but the smallest valid shape.
  { fn: 'ingest', event: { eventSource: 'SelfManagedKafka', bootstrapServers: '127.0.0.1:9092', records: {} } },
  { fn: 'collect-metrics', event: scheduledEvent('collect-metrics') },
  { fn: 'maintain-partitions', event: scheduledEvent('maintain-partitions') },
  { fn: 'score-drivers', event: scheduledEvent('score-drivers') },
];

export const ALL_FUNCTIONS = [...HTTP_PROBES.map((p) => p.fn), ...INVOKE_PROBES.map((p) => p.fn)];
