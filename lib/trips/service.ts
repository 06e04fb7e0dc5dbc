import { assertCanReadDriver, ownDriverId, type Principal } from '../auth/index.js';
import { driverExists } from '../db/index.js';
import { driverNotFound, NotFoundError } from '../errors/index.js';
import { cursorPage, decodeCursor, queryFingerprint, timestampUuidKey } from '../pagination/index.js';
import { driverTripsGroup, tripGroup, tripsCache } from './cache.js';
import { getTripWithEvents, listDriverTrips, MAX_TRIP_EVENTS, tripKeyOf, type TripRow } from './queries.js';
import type { DriverTripsQuery, Trip, TripPage, TripWithEvents } from './schemas.js';

/** Trips use cases: a driver's trips (cursor pages) and one trip with its events. */

const LIST_ROUTE = 'trips.by_driver';

function toTrip(row: TripRow): Trip {
  return {
    id: row.id,
    driver_id: row.driver_id,
    vehicle_id: row.vehicle_id,
    started_at: row.started_at.toISOString(),
    ended_at: row.ended_at && row.ended_at.toISOString(),
    distance_km: row.distance_km,
    duration_s: row.duration_s,
    avg_speed_kmh: row.avg_speed_kmh,
    max_speed_kmh: row.max_speed_kmh,
    harsh_braking_count: row.harsh_braking_count,
    harsh_acceleration_count: row.harsh_acceleration_count,
    harsh_cornering_count: row.harsh_cornering_count,
    speeding_count: row.speeding_count,
    night_distance_km: row.night_distance_km,
    event_count: row.event_count,
    start_lat: row.start_lat,
    start_lon: row.start_lon,
    end_lat: row.end_lat,
    end_lon: row.end_lon,
  };
}

export async function listTrips(principal: Principal, driverId: number, query: DriverTripsQuery): Promise<TripPage> {
  assertCanReadDriver(principal, driverId);
  const fingerprint = queryFingerprint(LIST_ROUTE, { driverId });
  const after = decodeCursor(query.cursor, fingerprint, timestampUuidKey);
  return tripsCache.getOrLoad(
    `driver:${driverId}:${query.limit}:${query.cursor ?? ''}`,
    async () => {
      const rows = await listDriverTrips({ driverId, limit: query.limit + 1, ...(after ? { after } : {}) });
      if (rows.length === 0 && !after && !(await driverExists(driverId))) throw driverNotFound(driverId);
      const page = cursorPage(rows, query.limit, fingerprint, tripKeyOf);
      return { ...page, items: page.items.map(toTrip) };
    },
    { groups: [driverTripsGroup(driverId)] },
  );
}

export function listMyTrips(principal: Principal, query: DriverTripsQuery): Promise<TripPage> {
  return listTrips(principal, ownDriverId(principal), query);
}

/**
 * A trip with its events. The trip is loaded (or read from the cache) before the access check,
 * since only the trip says whose it is; a driver asking for another driver's trip gets 403.
 */
export async function getTrip(principal: Principal, tripId: string): Promise<TripWithEvents> {
  const found = await tripsCache.getOrLoad(
    `trip:${tripId}`,
    async () => {
      const loaded = await getTripWithEvents(tripId, MAX_TRIP_EVENTS + 1);
      if (!loaded) throw new NotFoundError(`Trip ${tripId} does not exist`, { code: 'trip_not_found' });
      return {
        trip: toTrip(loaded.trip),
        events: loaded.events.slice(0, MAX_TRIP_EVENTS),
        events_truncated: loaded.events.length > MAX_TRIP_EVENTS,
      } satisfies TripWithEvents;
    },
    { groups: [tripGroup(tripId)] },
  );
  assertCanReadDriver(principal, found.trip.driver_id);
  return found;
}
