import type { Principal } from '../auth/index.js';

/**
 * Push topics and who may subscribe to them. A topic is one of
 *
 *   fleet           the whole fleet (counters, new trips, scoring runs, lag and gauges): admins only
 *   driver:<id>     one driver (their trips, harsh events, score and premium): that driver, admins
 *   trip:<uuid>     one trip (its start, end and harsh events): the trip's driver, admins
 *
 * Trip ids are the product's UUIDs (`GET /api/v1/trips/{tripId}`). The rules are pure; the one
 * fact they need from the database (a trip's driver) comes in as a lookup.
 */

export type Topic = { kind: 'fleet' } | { kind: 'driver'; driverId: number } | { kind: 'trip'; tripId: string };

export const FLEET_TOPIC = 'fleet';
export const driverTopic = (driverId: number): string => `driver:${driverId}`;
export const tripTopic = (tripId: string): string => `trip:${tripId.toLowerCase()}`;

/** Longest topic name accepted (a trip topic is 41 characters). */
export const MAX_TOPIC_LENGTH = 64;

const DRIVER = /^driver:([1-9]\d{0,15})$/;
const TRIP = /^trip:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The topic a name denotes, or undefined when it is not a topic. */
export function parseTopic(name: string): Topic | undefined {
  if (name.length > MAX_TOPIC_LENGTH) return undefined;
  if (name === FLEET_TOPIC) return { kind: 'fleet' };
  const driver = DRIVER.exec(name);
  if (driver?.[1]) {
    const driverId = Number(driver[1]);
    return Number.isSafeInteger(driverId) ? { kind: 'driver', driverId } : undefined;
  }
  const trip = TRIP.exec(name);
  if (trip?.[1]) return { kind: 'trip', tripId: trip[1].toLowerCase() };
  return undefined;
}

/** The canonical name of a topic (trip UUIDs lower-case), the one publishers use. */
function topicName(topic: Topic): string {
  switch (topic.kind) {
    case 'fleet':
      return FLEET_TOPIC;
    case 'driver':
      return driverTopic(topic.driverId);
    case 'trip':
      return tripTopic(topic.tripId);
  }
}

type InvalidTopic = { topic: string; ok: false; code: 'invalid_topic'; message: string };
export type NormalizedTopic = { topic: string; ok: true; parsed: Topic } | InvalidTopic;

/**
 * A requested topic name as subscribe and unsubscribe both read it: its canonical name (the one
 * publishers use) with what it denotes, or the `invalid_topic` refusal naming it.
 */
export function normalizeTopic(name: string): NormalizedTopic {
  const parsed = parseTopic(name);
  if (!parsed) return { topic: name, ok: false, code: 'invalid_topic', message: `"${name.slice(0, MAX_TOPIC_LENGTH)}" is not a topic: expected fleet, driver:<id> or trip:<uuid>` };
  return { topic: topicName(parsed), ok: true, parsed };
}

/** The driver a trip belongs to, or undefined when there is no such trip. */
export type TripOwnerLookup = (tripIds: readonly string[]) => Promise<ReadonlyMap<string, number>>;

export type TopicDecision = { topic: string; ok: true } | { topic: string; ok: false; code: 'invalid_topic' | 'forbidden_topic'; message: string };

/**
 * Decides each requested topic for `principal`: admins may subscribe to any valid topic; a driver
 * to their own `driver:<id>` and to trips that exist and belong to them. Trips are looked up once,
 * together, and only for a driver.
 */
export async function authorizeTopics(principal: Principal, names: readonly string[], tripOwners: TripOwnerLookup): Promise<TopicDecision[]> {
  const requested = names.map(normalizeTopic);
  const tripIds = principal.role === 'admin' ? [] : [...new Set(requested.flatMap((r) => (r.ok && r.parsed.kind === 'trip' ? [r.parsed.tripId] : [])))];
  const owners = tripIds.length > 0 ? await tripOwners(tripIds) : new Map<string, number>();
  return requested.map((request): TopicDecision => {
    if (!request.ok) return request;
    const { topic: canonical, parsed: topic } = request;
    if (principal.role === 'admin') return { topic: canonical, ok: true };
    switch (topic.kind) {
      case 'fleet':
        return { topic: canonical, ok: false, code: 'forbidden_topic', message: 'the fleet topic is for admins only' };
      case 'driver':
        return topic.driverId === principal.driverId
          ? { topic: canonical, ok: true }
          : { topic: canonical, ok: false, code: 'forbidden_topic', message: 'drivers may only subscribe to their own driver topic' };
      case 'trip':
        return principal.driverId !== null && owners.get(topic.tripId) === principal.driverId
          ? { topic: canonical, ok: true }
          : { topic: canonical, ok: false, code: 'forbidden_topic', message: 'drivers may only subscribe to their own trips' };
    }
  });
}
