import { assertCanReadDriver, ownDriverId, type Principal } from '../auth/index.js';
import { driverExists } from '../db/index.js';
import { driverNotFound } from '../errors/index.js';
import { cursorPage, decodeCursor, queryFingerprint, timestampUuidKey } from '../pagination/index.js';
import { resolvePeriod } from '../validation/period.js';
import { driverEventsGroup, eventsCache } from './cache.js';
import { eventKeyOf, listDriverEvents, type EventRow } from './queries.js';
import type { DriverEventsQuery, EventPage, TelematicsEvent } from './schemas.js';

/** Events read use cases: a driver's events in a period, newest first. */

const LIST_ROUTE = 'events.by_driver';
const DEFAULT_DAYS = 7;

function toEvent(row: EventRow): TelematicsEvent {
  return {
    event_id: row.event_id,
    ts: row.cursor_ts,
    driver_id: row.driver_id,
    vehicle_id: row.vehicle_id,
    trip_id: row.trip_id,
    event_type: row.event_type,
    lat: row.lat,
    lon: row.lon,
    speed_kmh: row.speed_kmh,
    acceleration_mps2: row.acceleration_mps2,
    lateral_mps2: row.lateral_mps2,
    heading_deg: row.heading_deg,
    data: row.data,
    received_at: row.received_at.toISOString(),
  };
}

export async function listEvents(principal: Principal, driverId: number, query: DriverEventsQuery): Promise<EventPage> {
  assertCanReadDriver(principal, driverId);
  const period = resolvePeriod(query, { defaultDays: DEFAULT_DAYS });
  const types = query.types ?? [];
  // The cursor belongs to the period and types it was issued for: a page from another filter is refused.
  const fingerprint = queryFingerprint(LIST_ROUTE, { driverId, ...period, types });
  const after = decodeCursor(query.cursor, fingerprint, timestampUuidKey);
  return eventsCache.getOrLoad(
    `driver:${driverId}:${JSON.stringify([period.from, period.to, types, query.limit, query.cursor ?? ''])}`,
    async () => {
      const rows = await listDriverEvents({
        driverId,
        ...period,
        ...(types.length > 0 ? { types } : {}),
        limit: query.limit + 1,
        ...(after ? { after } : {}),
      });
      if (rows.length === 0 && !after && !(await driverExists(driverId))) throw driverNotFound(driverId);
      const page = cursorPage(rows, query.limit, fingerprint, eventKeyOf);
      return { ...page, items: page.items.map(toEvent) };
    },
    { groups: [driverEventsGroup(driverId)] },
  );
}

export function listMyEvents(principal: Principal, query: DriverEventsQuery): Promise<EventPage> {
  return listEvents(principal, ownDriverId(principal), query);
}
