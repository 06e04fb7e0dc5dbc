import { z } from 'zod';
import { MAX_TOPIC_LENGTH } from './topics.js';

/**
 * The WebSocket protocol (README "Real-time push").
 *
 * Client -> server, routed by `action` (`$request.body.action`):
 *   {"action":"subscribe","topics":["fleet","driver:42"]}
 *   {"action":"unsubscribe","topics":["driver:42"]}
 * Server -> client, as the answer to that message:
 *   {"type":"subscribed","topics":[...]}        every topic granted (canonical names)
 *   {"type":"unsubscribed","topics":[...]}
 *   {"type":"error","code":"forbidden_topic"|"invalid_topic"|"invalid_message","message":"...","topic"?:"..."}
 * A subscribe is all or nothing: one refused topic refuses the message, naming the first such topic.
 * Server -> client pushes: {"topic","type","at","data"} (PushMessage).
 */

/** Topics one message may name, and subscriptions one connection may hold. */
export const MAX_TOPICS_PER_MESSAGE = 50;
export const MAX_TOPICS_PER_CONNECTION = 200;

export const topicsMessage = z.strictObject({
  action: z.enum(['subscribe', 'unsubscribe']),
  topics: z.array(z.string().max(MAX_TOPIC_LENGTH * 4)).min(1).max(MAX_TOPICS_PER_MESSAGE),
});
export type TopicsMessage = z.output<typeof topicsMessage>;

export type ErrorCode = 'forbidden_topic' | 'invalid_topic' | 'invalid_message';

export type ClientReply =
  | { type: 'subscribed'; topics: string[] }
  | { type: 'unsubscribed'; topics: string[] }
  | { type: 'error'; code: ErrorCode; message: string; topic?: string };

/** The push types and their data. */
export interface TripData {
  tripId: string;
  driverId: number;
  startedAt: string;
  endedAt?: string;
  distanceKm?: number;
}

export interface PushData {
  'fleet.counters': { events: number; eventsPerSecond: number; tripsStarted: number; tripsEnded: number; deadLettered: number };
  'trip.started': TripData;
  'trip.ended': TripData;
  'event.harsh': { tripId: string | null; driverId: number; eventType: string; ts: string; lat: number; lon: number };
  'risk.changed': { driverId: number; score: number; band: string; previousScore: number | null; run: string };
  'premium.changed': { driverId: number; policyId: number; amount: number; previousAmount: number | null; run: string };
  'scoring.completed': { run: string; modelVersion: string; drivers: number; premiums: number; changed: number; durationMs: number };
  'metrics.lag': { groupId: string; total: number; partitions: Array<{ topic: string; partition: number; lag: number; lagSeconds: number }> };
  'metrics.gauges': Record<string, number | Record<string, number> | null>;
}

export type PushType = keyof PushData;

/** One message to publish: the topic it goes to, its type and data. */
export type Publication = { [T in PushType]: { topic: string; type: T; data: PushData[T] } }[PushType];

/** What a subscriber receives. */
export type PushMessage = Publication & { at: string };
