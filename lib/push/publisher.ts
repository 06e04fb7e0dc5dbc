import { getConfig } from '../config/index.js';
import { getLogger } from '../logger/index.js';
import { settleWithin } from '../deadline/index.js';
import { removeConnections, subscribersOf } from './connections.js';
import { postToConnection, type PostOutcome } from './gateway.js';
import type { Publication, PushData, PushType } from './messages.js';
import { pushDeliveries, pushPublishDuration, pushPublishErrors } from './metrics.js';

/**
 * `publish(topic, type, data)`: what any function calls to push a message to the topic's
 * subscribers. It reads the subscribers from Redis, posts the message to each connection through
 * the API Gateway Management API (PUSH_CONCURRENCY at a time, each post given up after
 * PUSH_POST_TIMEOUT_MS from its request), forgets the connections that answer 410 Gone, and
 * returns within PUSH_PUBLISH_DEADLINE_MS whatever the connections do: posts not started by then
 * are skipped, posts still running are abandoned. It never throws: a caller (an ingest batch, a scoring run)
 * has committed its work already, and a push is a notification, not part of it. Failures are
 * counted (push_deliveries_total, push_publish_errors_total) and logged.
 */

export interface PublishReport {
  messages: number;
  /** Posts due: one per message and subscribed connection. */
  deliveries: number;
  delivered: number;
  gone: number;
  timedOut: number;
  failed: number;
  /** Posts not started before the deadline. */
  skipped: number;
  /** The subscriber lookup or the cleanup failed (Redis). */
  error: boolean;
  durationMs: number;
}

interface Delivery {
  connectionId: string;
  payload: Uint8Array;
}

const encoder = new TextEncoder();

export function publish<T extends PushType>(topic: string, type: T, data: PushData[T]): Promise<PublishReport> {
  return publishMany([{ topic, type, data } as Publication]);
}

export async function publishMany(publications: readonly Publication[]): Promise<PublishReport> {
  const started = performance.now();
  const { push } = getConfig();
  const deadline = started + push.publishDeadlineMs;
  const report: PublishReport = { messages: publications.length, deliveries: 0, delivered: 0, gone: 0, timedOut: 0, failed: 0, skipped: 0, error: false, durationMs: 0 };
  if (publications.length === 0) return report;
  try {
    const lookup = subscribersOf([...new Set(publications.map((p) => p.topic))]);
    const subscribers = await settleWithin<Map<string, string[]> | undefined>(lookup, deadline - performance.now(), () => undefined);
    if (!subscribers) throw new Error('the subscriber lookup did not finish before the publish deadline');
    const deliveries = plan(publications, subscribers);
    report.deliveries = deliveries.length;
    if (deliveries.length > 0) {
      const gone = await deliver(deliveries, report, deadline, push);
      if (gone.length > 0) await removeConnections(gone);
    }
  } catch (error) {
    report.error = true;
    pushPublishErrors.inc();
    getLogger().warn('push: publish failed; its messages are dropped', { error, messages: publications.length });
  }
  report.durationMs = performance.now() - started;
  pushPublishDuration.observe(report.durationMs / 1000);
  if (report.timedOut + report.failed + report.skipped > 0) {
    getLogger().warn('push: some connections did not get their message', { ...report });
  }
  return report;
}

/** One post per (message, subscribed connection); a message is serialised once for all its connections. */
function plan(publications: readonly Publication[], subscribers: ReadonlyMap<string, readonly string[]>): Delivery[] {
  const at = new Date().toISOString();
  const deliveries: Delivery[] = [];
  for (const publication of publications) {
    const connections = subscribers.get(publication.topic);
    if (!connections) continue;
    const payload = encoder.encode(JSON.stringify({ topic: publication.topic, type: publication.type, at, data: publication.data }));
    for (const connectionId of connections) deliveries.push({ connectionId, payload });
  }
  return deliveries;
}

/** Runs the posts `concurrency` at a time until done or the deadline; returns the connections that are gone. */
async function deliver(deliveries: readonly Delivery[], report: PublishReport, deadline: number, push: { concurrency: number; postTimeoutMs: number }): Promise<string[]> {
  const gone = new Set<string>();
  const outcomes: Record<PostOutcome, number> = { delivered: 0, gone: 0, timed_out: 0, failed: 0 };
  const workers = Math.min(push.concurrency, deliveries.length);
  // At the deadline every post still running is abandoned, and no other is started.
  const expired = new AbortController();
  const timer = setTimeout(() => expired.abort(), Math.max(0, deadline - performance.now()));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < deliveries.length && !expired.signal.aborted) {
      const { connectionId, payload } = deliveries[next++] as Delivery;
      const { outcome } = await postToConnection(connectionId, payload, push.postTimeoutMs, expired.signal);
      outcomes[outcome] += 1;
      if (outcome === 'gone') gone.add(connectionId);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    clearTimeout(timer);
  }
  Object.assign(report, { delivered: outcomes.delivered, gone: outcomes.gone, timedOut: outcomes.timed_out, failed: outcomes.failed, skipped: deliveries.length - next });
  for (const [outcome, n] of Object.entries({ ...outcomes, skipped: report.skipped })) if (n > 0) pushDeliveries.inc({ outcome }, n);
  return [...gone];
}
