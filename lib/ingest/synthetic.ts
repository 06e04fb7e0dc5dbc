import { getConfig } from '../config/index.js';
import { generateDriver, simulateTrip, type SimulatedEvent, type SimulatedTrip } from '../seed/index.js';
import type { TelematicsEvent } from './schema.js';

/**
 * Wire events from the seed generator's simulation, for the producer, the benchmark and tests.
 */

/** The event a device would send for a simulated event of `trip`. */
export function wireEvent(e: SimulatedEvent, trip: { id: string; driverId: number; vehicleId: number }): TelematicsEvent {
  return {
    event_id: e.event_id,
    ts: new Date(e.ts).toISOString(),
    driver_id: trip.driverId,
    vehicle_id: trip.vehicleId,
    trip_id: trip.id,
    event_type: e.event_type,
    lat: e.lat,
    lon: e.lon,
    speed_kmh: e.speed_kmh,
    acceleration_mps2: e.acceleration_mps2,
    lateral_mps2: e.lateral_mps2,
    heading_deg: e.heading_deg,
    data: { speed_limit_kmh: e.speed_limit_kmh },
  };
}

export interface SyntheticTripOptions {
  driverId: number;
  vehicleId: number;
  /** Trip start, epoch ms (whole seconds). */
  startMs: number;
  /** Varies the route, the driving and the ids. */
  seed: number;
  sampleIntervalS?: number;
}

/** One simulated trip of a driver (ids as given), with its wire events in time order. */
export function syntheticTrip(options: SyntheticTripOptions): { trip: SimulatedTrip['trip']; events: TelematicsEvent[] } {
  const end = new Date(options.startMs + 86_400_000);
  const driver = generateDriver(options.seed, options.seed % 1000, end);
  const epochDay = Math.floor(options.startMs / 86_400_000);
  const from = driver.traits.home;
  const simulated = simulateTrip(driver, options.vehicleId, from, driver.traits.work, Math.round(options.startMs / 1000) * 1000, epochDay, options.seed, {
    seed: options.seed,
    sampleIntervalS: options.sampleIntervalS ?? 5,
    thresholds: getConfig().harsh,
    endMs: end.getTime(),
  });
  const ids = { id: simulated.trip.id, driverId: options.driverId, vehicleId: options.vehicleId };
  return { trip: simulated.trip, events: simulated.events.map((e) => wireEvent(e, ids)) };
}
