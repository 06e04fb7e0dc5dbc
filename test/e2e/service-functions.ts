import { scheduledEvent, websocketMessageEvent } from '../../scripts/lib/events.js';

/**
 * The functions SPEC section 2 requires, as the e2e tests exercise them: one route for each HTTP
 * function, and for each non-HTTP function the event its trigger delivers.
 */

export interface HttpProbe {
  fn: string;
  method: 'GET' | 'POST';
  /** The route template as serverless.yml declares it; `{driverId}` is a driver the test creates. */
  path: string;
  /** The login the probe calls with: its route's success needs that role. */
  as: 'anonymous' | 'admin';
  /** For POST probes; `login` is the test's own admin credentials. */
  body?: 'login';
  /** An answer only this function gives: a key of its JSON body, or the content type's start. */
  answers: { key: string } | { contentType: string };
}

export const HTTP_PROBES: readonly HttpProbe[] = [
  { fn: 'auth', method: 'POST', path: '/api/v1/auth/login', as: 'anonymous', body: 'login', answers: { key: 'access_token' } },
  { fn: 'drivers', method: 'GET', path: '/api/v1/drivers/{driverId}', as: 'admin', answers: { key: 'licensed_since' } },
  { fn: 'trips', method: 'GET', path: '/api/v1/drivers/{driverId}/trips', as: 'admin', answers: { key: 'next_cursor' } },
  { fn: 'events', method: 'GET', path: '/api/v1/drivers/{driverId}/events', as: 'admin', answers: { key: 'next_cursor' } },
  { fn: 'risk', method: 'GET', path: '/api/v1/drivers/{driverId}/risk/history', as: 'admin', answers: { key: 'next_cursor' } },
  { fn: 'premiums', method: 'GET', path: '/api/v1/drivers/{driverId}/premium', as: 'admin', answers: { key: 'breakdown' } },
  { fn: 'dashboard', method: 'GET', path: '/api/v1/admin/dashboard/summary', as: 'admin', answers: { key: 'drivers_total' } },
  { fn: 'cache-admin', method: 'GET', path: '/api/v1/admin/cache/stats', as: 'admin', answers: { key: 'pending_invalidations' } },
  { fn: 'health', method: 'GET', path: '/health', as: 'anonymous', answers: { key: 'components' } },
  { fn: 'metrics', method: 'GET', path: '/metrics', as: 'admin', answers: { contentType: 'text/plain; version=0.0.4' } },
  { fn: 'docs', method: 'GET', path: '/openapi.json', as: 'anonymous', answers: { key: 'openapi' } },
  { fn: 'console', method: 'GET', path: '/console', as: 'anonymous', answers: { contentType: 'text/html' } },
];

/**
 * Functions that still refuse their work as not implemented (their issues are open). Exact: a
 * function listed here that works, or one not listed that refuses, fails the e2e suite.
 */
export const NOT_IMPLEMENTED_FUNCTIONS: readonly string[] = [];

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
  // A WebSocket message no route takes (the API's $default route): answered with an error message.
  { fn: 'push', event: websocketMessageEvent('$default', '{"action":"hello"}') },
];

export const ALL_FUNCTIONS = [...HTTP_PROBES.map((p) => p.fn), ...INVOKE_PROBES.map((p) => p.fn)];
