import { invalidateGroups } from '../cache/index.js';
import { getConfig } from '../config/index.js';
import { UnavailableError } from '../errors/index.js';
import { copyLine as copyRow, lookupSql, timedQuery, withTransaction } from '../db/index.js';
import { settleWithin } from '../deadline/index.js';
import { driverStatisticsGroup } from '../drivers/cache.js';
import { driverEventsGroup } from '../events/cache.js';
import { getLogger } from '../logger/index.js';
import { driverTripsGroup, tripGroup } from '../trips/cache.js';
import { refreshDriverDays } from '../trips/queries.js';
import { notifyIngested } from './notify.js';
import { stage } from './profile.js';
import { EVENT_COLUMNS, ingestSql, type DeadLetterInsert, type EndedTripRow, type EventColumns } from './queries.js';
import type { RejectedRecord, StoreResult, ValidRecord } from './records.js';
import type { TelematicsEvent } from './schema.js';

/**
 * The write side of the one ingest path, shared by Kafka batches and HTTP uploads:
 * `checkOwnership` sorts valid events whose vehicle or trip does not fit out of a batch, and
 * `writeBatch` writes the rest and the dead letters in one transaction (see queries.ts).
 */

/** How long a batch waits for a trip another batch is writing before giving up (a transient failure). */
const TRIP_LOCK_TIMEOUT = '5s';

/** Vehicles change owner rarely; a known owner is kept this long per instance to spare a query per batch. */
const VEHICLE_OWNER_TTL_MS = 5 * 60_000;
const VEHICLE_OWNER_MAX = 100_000;
const vehicleOwners = new Map<number, { driverId: number; until: number }>();

async function ownersOf(vehicleIds: number[], nowMs: number): Promise<Map<number, number>> {
  const owners = new Map<number, number>();
  const missing: number[] = [];
  for (const id of vehicleIds) {
    const known = vehicleOwners.get(id);
    if (known && known.until > nowMs) owners.set(id, known.driverId);
    else missing.push(id);
  }
  if (missing.length > 0) {
    const rows = await timedQuery('ingest.vehicle_owners', (sql) => ingestSql.vehicleOwners(sql, missing));
    if (vehicleOwners.size + rows.length > VEHICLE_OWNER_MAX) vehicleOwners.clear();
    for (const row of rows) {
      owners.set(row.id, row.driver_id);
      vehicleOwners.set(row.id, { driverId: row.driver_id, until: nowMs + VEHICLE_OWNER_TTL_MS });
    }
  }
  return owners;
}

/** Forgets the cached vehicle owners (tests that reassign vehicles). */
export function forgetVehicleOwners(): void {
  vehicleOwners.clear();
}

export interface OwnershipCheck {
  valid: ValidRecord[];
  rejected: RejectedRecord[];
}

/**
 * Keeps the events whose vehicle exists and belongs to the event's driver, and whose trip (if it
 * exists already, or else its first event in the batch) has the same driver and vehicle.
 */
export async function checkOwnership(records: readonly ValidRecord[], nowMs = Date.now()): Promise<OwnershipCheck> {
  if (records.length === 0) return { valid: [], rejected: [] };
  const vehicleIds = [...new Set(records.map((r) => r.event.vehicle_id))];
  const tripIds = [...new Set(records.flatMap((r) => (r.event.trip_id ? [r.event.trip_id] : [])))];
  const [owners, trips] = await stage('ownership', () => withDeadline(Promise.all([
    ownersOf(vehicleIds, nowMs),
    tripIds.length > 0 ? timedQuery('ingest.trip_owners', (sql) => lookupSql.tripOwners(sql, tripIds)) : Promise.resolve([]),
  ])));
  const tripOwner = new Map(trips.map((t) => [t.id, { driverId: t.driver_id, vehicleId: t.vehicle_id }]));
  const valid: ValidRecord[] = [];
  const rejected: RejectedRecord[] = [];
  for (const record of records) {
    const { event } = record;
    const owner = owners.get(event.vehicle_id);
    if (owner === undefined) {
      rejected.push({ raw: record.raw, code: 'unknown_vehicle', reason: `vehicle_id: no vehicle ${event.vehicle_id}` });
      continue;
    }
    if (owner !== event.driver_id) {
      rejected.push({ raw: record.raw, code: 'unknown_vehicle', reason: `vehicle_id: vehicle ${event.vehicle_id} does not belong to driver ${event.driver_id}` });
      continue;
    }
    if (event.trip_id) {
      const trip = tripOwner.get(event.trip_id);
      if (!trip) {
        tripOwner.set(event.trip_id, { driverId: event.driver_id, vehicleId: event.vehicle_id });
      } else if (trip.driverId !== event.driver_id || trip.vehicleId !== event.vehicle_id) {
        rejected.push({
          raw: record.raw,
          code: 'trip_conflict',
          reason: `trip_id: trip ${event.trip_id} belongs to driver ${trip.driverId} and vehicle ${trip.vehicleId}`,
        });
        continue;
      }
    }
    valid.push(record);
  }
  return { valid, rejected };
}

/** An event as a COPY text line in EVENT_COLUMNS order (the benchmark's psql \copy ceiling); `data` as JSON text. */
export function copyLine(e: TelematicsEvent): string {
  return copyRow(EVENT_COLUMNS.map((column) => (column === 'data' ? (e.data === undefined ? null : JSON.stringify(e.data)) : (e[column] ?? null))));
}

/**
 * A PostgreSQL array literal element: the validated ids, times, types and numbers never hold a
 * character array syntax cares about and go bare; `data` (free JSON) is quoted and escaped.
 */
const arrayElement = (value: TelematicsEvent[keyof TelematicsEvent]): string => {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return `"${JSON.stringify(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return String(value);
};

/** A batch as one array literal per column (queries.ts insertEvents). */
export function eventColumns(events: readonly TelematicsEvent[]): EventColumns {
  const columns = {} as EventColumns;
  for (const name of EVENT_COLUMNS) {
    let literal = '{';
    for (let i = 0; i < events.length; i++) literal += (i === 0 ? '' : ',') + arrayElement(events[i]![name]);
    columns[name] = `${literal}}`;
  }
  return columns;
}

export function deadLetterOf(record: RejectedRecord): DeadLetterInsert {
  const { origin, key, value, headers } = record.raw;
  const kafka = origin.source === 'kafka' ? origin : undefined;
  return {
    source: origin.source,
    topic: kafka?.topic ?? null,
    kafka_partition: kafka?.partition ?? null,
    kafka_offset: kafka?.offset ?? null,
    key: key ? key.toString('base64') : null,
    value: value ? value.toString('base64') : null,
    headers: headers ?? null,
    reason: record.reason,
    error_code: record.code,
  };
}

/**
 * A write that has not settled well after the statement timeout is given up as transient: the
 * batch is redelivered instead of the function hanging to its own timeout on a connection that
 * went away without a word.
 */
export function withDeadline<T>(work: Promise<T>): Promise<T> {
  const ms = getConfig().db.statementTimeoutMs * 2 + 5_000;
  return settleWithin(work, ms, () => {
    throw new UnavailableError(`the database did not finish the batch within ${ms} ms`);
  });
}

/**
 * Writes `valid` events (idempotently) and `rejected` records (as dead letters) in one transaction,
 * keeps the touched trips current, then outdates the caches of the drivers and trips that changed.
 * Nothing is written if it fails.
 */
export async function writeBatch(valid: readonly ValidRecord[], rejected: readonly RejectedRecord[]): Promise<StoreResult> {
  if (valid.length === 0 && rejected.length === 0) return { stored: 0, duplicates: 0, deadLettered: 0, rejected: [], drivers: [], trips: [] };
  const tripIds = [...new Set(valid.flatMap((r) => (r.event.trip_id ? [r.event.trip_id] : [])))];
  const written = await stage('transaction', () => withDeadline(withTransaction(async (tx) => {
    let summary = { stored: 0, drivers: [] as number[], trips: [] as string[], ended: [] as EndedTripRow[] };
    if (valid.length > 0) {
      await stage('prepare', async () => {
        await tx`SELECT set_config('lock_timeout', ${TRIP_LOCK_TIMEOUT}, true)`;
        await ingestSql.prepareStaging(tx);
        if (tripIds.length > 0) await ingestSql.lockTrips(tx, tripIds);
      });
      await stage('insert', () => ingestSql.insertEvents(tx, eventColumns(valid.map((r) => r.event))));
      const [row] = await stage('trips', () => ingestSql.updateTrips(tx));
      summary = { stored: row?.stored ?? 0, drivers: row?.drivers ?? [], trips: row?.trips ?? [], ended: row?.ended ?? [] };
      await stage('driver_daily', () => refreshDriverDays(tx, summary.trips));
    }
    const deadLettered =
      rejected.length > 0 ? ((await stage('dead_letters', () => ingestSql.insertDeadLetters(tx, rejected.map(deadLetterOf))))[0]?.inserted ?? 0) : 0;
    return { ...summary, deadLettered };
  }, 'ingest.write_batch')));
  await stage('cache', () => outdateCaches(written.drivers, written.trips));
  await stage('push', () => notifyIngested(valid, written));
  return {
    stored: written.stored,
    duplicates: valid.length - written.stored,
    deadLettered: written.deadLettered,
    rejected: [...rejected],
    drivers: written.drivers,
    trips: written.trips,
  };
}

/**
 * One invalidation per batch. The data is committed by now: a cache failure must not fail the
 * batch (a redelivery would change nothing), and lib/cache replays invalidations Redis missed.
 */
async function outdateCaches(drivers: readonly number[], trips: readonly string[]): Promise<void> {
  if (drivers.length === 0 && trips.length === 0) return;
  const groups = [
    ...drivers.flatMap((id) => [driverTripsGroup(id), driverEventsGroup(id), driverStatisticsGroup(id)]),
    ...trips.map((id) => tripGroup(id)),
  ];
  try {
    await invalidateGroups(...groups);
  } catch (error) {
    getLogger().warn('cache invalidation after an ingest batch failed', { error, groups: groups.length });
  }
}
