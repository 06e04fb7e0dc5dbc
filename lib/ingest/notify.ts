import { getLogger } from '../logger/index.js';
import {
  addFleetCounters,
  driverTopic,
  fleetCountersMessage,
  FLEET_TOPIC,
  publishMany,
  tripTopic,
  type Publication,
  type TripData,
} from '../push/index.js';
import { SAFETY_EVENT_TYPES } from '../vocabulary/index.js';
import type { EndedTripRow } from './queries.js';
import type { ValidRecord } from './records.js';
import type { TelematicsEvent } from './schema.js';

/**
 * What an ingested batch tells the live console (lib/push), from what the batch already knows:
 * its events (trip starts and ends, harsh and speeding events) and its counts. Sent after the
 * batch is committed, within the push deadline, and never failing the batch.
 *
 *   trip.started / trip.ended   on fleet, driver:<id> and trip:<id>
 *   event.harsh                 on driver:<id> and trip:<id>
 *   fleet.counters              on fleet, at most once a second fleet-wide (lib/push/counters.ts)
 *
 * Events are pushed at least once: a redelivered batch that stored nothing new pushes no events,
 * one that was partly stored before may push some again (tripId and ts identify them). A trip's end
 * is pushed by the batch that stored it, with the figures the batch's trip upsert returned
 * (queries.ts updateTrips): nothing is read back for a notification.
 */

const SAFETY_EVENTS: ReadonlySet<string> = new Set(SAFETY_EVENT_TYPES);

interface IngestedBatch {
  stored: number;
  deadLettered: number;
  /** The trips whose end the batch stored. */
  ended: readonly EndedTripRow[];
}

export async function notifyIngested(valid: readonly ValidRecord[], batch: IngestedBatch): Promise<void> {
  if (batch.stored === 0 && batch.deadLettered === 0) return;
  try {
    const events = batch.stored > 0 ? valid.map((r) => r.event) : [];
    const starts = events.filter((e) => e.event_type === 'trip_start' && e.trip_id);
    const publications: Publication[] = [];

    const taken = await addFleetCounters({ events: batch.stored, tripsStarted: starts.length, tripsEnded: batch.ended.length, deadLettered: batch.deadLettered });
    if (taken) publications.push({ topic: FLEET_TOPIC, type: 'fleet.counters', data: fleetCountersMessage(taken) });

    for (const e of starts) {
      const tripId = tripIdOf(e);
      publications.push(...onTripTopics(tripId, e.driver_id, { type: 'trip.started', data: { tripId, driverId: e.driver_id, startedAt: e.ts } }));
    }
    for (const trip of batch.ended) {
      const data = { tripId: trip.id, driverId: trip.driver_id, startedAt: trip.started_at, endedAt: trip.ended_at, distanceKm: trip.distance_km };
      publications.push(...onTripTopics(trip.id, trip.driver_id, { type: 'trip.ended', data }));
    }

    for (const e of events) {
      if (!SAFETY_EVENTS.has(e.event_type)) continue;
      const data = { tripId: e.trip_id ?? null, driverId: e.driver_id, eventType: e.event_type, ts: e.ts, lat: e.lat, lon: e.lon };
      publications.push({ topic: driverTopic(e.driver_id), type: 'event.harsh', data });
      if (e.trip_id) publications.push({ topic: tripTopic(e.trip_id), type: 'event.harsh', data });
    }
    await publishMany(publications);
  } catch (error) {
    getLogger().warn('push: notifying an ingested batch failed', { error });
  }
}

const tripIdOf = (e: TelematicsEvent): string => (e.trip_id ?? '').toLowerCase();

function onTripTopics(tripId: string, driverId: number, message: { type: 'trip.started' | 'trip.ended'; data: TripData }): Publication[] {
  return [FLEET_TOPIC, driverTopic(driverId), tripTopic(tripId)].map((topic) => ({ topic, ...message }));
}
