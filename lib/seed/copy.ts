import { copyLine as line, type CopyTarget } from '../db/index.js';
import type { SimulatedEvent, SimulatedTripSummary } from './driving.js';
import type { ClaimRow, DriverRow, PolicyRow, VehicleRow } from './people.js';

/**
 * The seeded tables' rows as COPY text lines (lib/db/copy.ts). Column lists sit next to their
 * encoders so they cannot drift.
 */

const iso = (epochMs: number) => new Date(epochMs).toISOString();


export const DRIVERS: CopyTarget = {
  table: 'drivers',
  columns: ['id', 'license_number', 'name', 'email', 'date_of_birth', 'licensed_since', 'active', 'created_at', 'updated_at'],
};
export const driverLine = (d: DriverRow) =>
  line([d.id, d.license_number, d.name, d.email, d.date_of_birth, d.licensed_since, d.active, d.created_at, d.created_at]);

export const VEHICLES: CopyTarget = { table: 'vehicles', columns: ['id', 'driver_id', 'vin', 'make', 'model', 'year', 'created_at'] };
export const vehicleLine = (v: VehicleRow, createdAt: Date) => line([v.id, v.driver_id, v.vin, v.make, v.model, v.year, createdAt]);

export const POLICIES: CopyTarget = {
  table: 'policies',
  columns: ['id', 'policy_number', 'driver_id', 'vehicle_id', 'base_premium', 'status', 'start_date', 'end_date', 'created_at', 'updated_at'],
};
export const policyLine = (p: PolicyRow) => {
  const created = `${p.start_date}T00:00:00.000Z`;
  return line([p.id, p.policy_number, p.driver_id, p.vehicle_id, p.base_premium.toFixed(2), p.status, p.start_date, p.end_date, created, created]);
};

export const USERS: CopyTarget = {
  table: 'users',
  columns: ['id', 'username', 'password_hash', 'role', 'driver_id', 'active', 'created_at', 'updated_at'],
};
export interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: 'admin' | 'driver';
  driver_id: number | null;
  active: boolean;
  created_at: Date;
}
export const userLine = (u: UserRow) => line([u.id, u.username, u.password_hash, u.role, u.driver_id, u.active, u.created_at, u.created_at]);

export const CLAIMS: CopyTarget = { table: 'training.claims', columns: ['driver_id', 'occurred_on', 'severity', 'amount'] };
export const claimLine = (c: ClaimRow) => line([c.driver_id, c.occurred_on, c.severity, c.amount.toFixed(2)]);

export const TRIPS: CopyTarget = {
  table: 'trips',
  columns: [
    'id', 'driver_id', 'vehicle_id', 'started_at', 'ended_at', 'distance_km', 'duration_s', 'avg_speed_kmh', 'max_speed_kmh',
    'harsh_braking_count', 'harsh_acceleration_count', 'harsh_cornering_count', 'speeding_count', 'night_distance_km',
    'event_count', 'start_lat', 'start_lon', 'end_lat', 'end_lon', 'created_at', 'updated_at',
  ],
};
export const tripLine = (t: SimulatedTripSummary) =>
  line([
    t.id, t.driver_id, t.vehicle_id, iso(t.started_at), iso(t.ended_at), t.distance_km, t.duration_s, t.avg_speed_kmh, t.max_speed_kmh,
    t.harsh_braking_count, t.harsh_acceleration_count, t.harsh_cornering_count, t.speeding_count, t.night_distance_km,
    t.event_count, t.start_lat, t.start_lon, t.end_lat, t.end_lon, iso(t.started_at), iso(t.ended_at),
  ]);

export const EVENTS: CopyTarget = {
  table: 'telematics_events',
  columns: [
    'event_id', 'ts', 'driver_id', 'vehicle_id', 'trip_id', 'event_type', 'lat', 'lon', 'speed_kmh',
    'acceleration_mps2', 'lateral_mps2', 'heading_deg', 'data', 'received_at',
  ],
};
/** Devices upload a little after the fact; the delay is fixed per event so reruns stay identical. */
const UPLOAD_DELAY_MS = 1_500;
// Hand-built rather than via line(): this runs for every event, and none of its values needs escaping.
export const eventLine = (e: SimulatedEvent, trip: SimulatedTripSummary) =>
  `${e.event_id}\t${iso(e.ts)}\t${trip.driver_id}\t${trip.vehicle_id}\t${trip.id}\t${e.event_type}\t${e.lat}\t${e.lon}\t${e.speed_kmh}\t` +
  `${e.acceleration_mps2}\t${e.lateral_mps2}\t${e.heading_deg}\t{"speed_limit_kmh":${e.speed_limit_kmh}}\t${iso(e.ts + UPLOAD_DELAY_MS)}\n`;

