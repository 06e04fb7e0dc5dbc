import { clamp, offset, type SyntheticDriver } from './people.js';
import { Random } from './random.js';

/**
 * Trip simulation. Each trip is simulated second by second (1 Hz): a route of road stretches
 * (urban, arterial, highway) toward a destination, with a speed controller that accelerates,
 * cruises, brakes for stops and slows for turns the way the driver's hidden traits say. Events are
 * emitted at a sample interval (positions) and at the exact second a harsh manoeuvre or a speeding
 * episode starts, classified with the same thresholds the product uses.
 */

export type EventType = 'position' | 'trip_start' | 'trip_end' | 'harsh_braking' | 'harsh_acceleration' | 'harsh_cornering' | 'speeding';

export interface HarshThresholds {
  /** Longitudinal acceleration below this is harsh braking (negative, m/s^2). */
  brakingMps2: number;
  /** Longitudinal acceleration above this is harsh acceleration (m/s^2). */
  accelerationMps2: number;
  /** Absolute lateral acceleration above this is harsh cornering (m/s^2). */
  corneringMps2: number;
}

export interface SimulatedEvent {
  event_id: string;
  ts: number;
  event_type: EventType;
  lat: number;
  lon: number;
  speed_kmh: number;
  acceleration_mps2: number;
  lateral_mps2: number;
  heading_deg: number;
  /** The posted limit where the event happened; goes to `data.speed_limit_kmh`. */
  speed_limit_kmh: number;
}

export interface TripRow {
  id: string;
  driver_id: number;
  vehicle_id: number;
  started_at: number;
  ended_at: number;
  distance_km: number;
  duration_s: number;
  avg_speed_kmh: number;
  max_speed_kmh: number;
  harsh_braking_count: number;
  harsh_acceleration_count: number;
  harsh_cornering_count: number;
  speeding_count: number;
  night_distance_km: number;
  event_count: number;
  start_lat: number;
  start_lon: number;
  end_lat: number;
  end_lon: number;
}

export interface SimulatedTrip {
  trip: TripRow;
  events: SimulatedEvent[];
}

export interface DrivingOptions {
  seed: number;
  /** Seconds between stored position events; harsh and speeding events are always stored at their second. */
  sampleIntervalS: number;
  thresholds: HarshThresholds;
  /** Trips starting at or after this instant are not generated. */
  endMs: number;
}

const DAY_MS = 86_400_000;
const MAX_TRIP_S = 4 * 3600;

/** Night is 22:00-05:00 local solar time (UTC shifted by longitude / 15 h): darkness, not a time zone. */
export function isNight(epochMs: number, lon: number): boolean {
  const hour = (((epochMs / 3_600_000 + lon / 15) % 24) + 24) % 24;
  return hour >= 22 || hour < 5;
}

interface Outing {
  leaveMs: number;
  destination: { lat: number; lon: number };
  dwellMs: number;
}

/** The trips of one driver on one UTC day (`epochDay` = days since 1970-01-01), in time order. */
export function* driverDayTrips(driver: SyntheticDriver, epochDay: number, options: DrivingOptions): Generator<SimulatedTrip> {
  if (!driver.row.active) return;
  const { traits } = driver;
  const rnd = Random.derive(options.seed, 'day', driver.row.id, epochDay);
  const dayStartMs = epochDay * DAY_MS;
  const weekday = new Date(dayStartMs).getUTCDay();
  const isWeekend = weekday === 0 || weekday === 6;
  if (rnd.chance(0.08)) return;

  // Local solar hour -> UTC instant for this driver's longitude.
  const at = (localHour: number) => dayStartMs + (localHour - traits.home.lon / 15) * 3_600_000;
  const hours = (h: number) => h * 3_600_000;
  const outings: Outing[] = [];
  if (traits.commuter && !isWeekend) {
    outings.push({ leaveMs: at(clamp(rnd.normal(7.6, 0.6), 5.5, 10)), destination: traits.work, dwellMs: hours(clamp(rnd.normal(8.7, 0.7), 6, 11)) });
  }
  const errands = rnd.poisson(isWeekend ? 1.3 : 0.7);
  for (let i = 0; i < errands; i++) {
    outings.push({
      leaveMs: at(rnd.uniform(9, 20.5)),
      destination: offset(traits.home, rnd.uniform(1_500, 12_000), rnd.uniform(0, 360)),
      dwellMs: hours(rnd.uniform(0.3, 2.5)),
    });
  }
  if (isWeekend && rnd.chance(0.12)) {
    outings.push({
      leaveMs: at(rnd.uniform(8, 11)),
      destination: offset(traits.home, rnd.uniform(40_000, 110_000), rnd.uniform(0, 360)),
      dwellMs: hours(rnd.uniform(2, 6)),
    });
  }
  if (rnd.chance(traits.nightOutChance)) {
    outings.push({
      leaveMs: at(rnd.uniform(21.5, 23.5)),
      destination: offset(traits.home, rnd.uniform(2_000, 15_000), rnd.uniform(0, 360)),
      dwellMs: hours(rnd.uniform(1, 3)),
    });
  }
  outings.sort((a, b) => a.leaveMs - b.leaveMs);

  let busyUntil = dayStartMs;
  let tripIndex = 0;
  for (const outing of outings) {
    if (outing.leaveMs < busyUntil) continue; // still out on an earlier outing
    const vehicle = driver.vehicles.length > 1 && rnd.chance(0.3) ? driver.vehicles[1] : driver.vehicles[0];
    if (!vehicle) return;
    let from = traits.home;
    let legStartMs = outing.leaveMs;
    for (const to of [outing.destination, traits.home]) {
      if (legStartMs >= options.endMs) return;
      const trip = simulateTrip(driver, vehicle.id, from, to, Math.round(legStartMs / 1000) * 1000, epochDay, tripIndex++, options);
      busyUntil = trip.trip.ended_at;
      from = { lat: trip.trip.end_lat, lon: trip.trip.end_lon };
      legStartMs = trip.trip.ended_at + outing.dwellMs;
      yield trip;
    }
  }
}


type RoadKind = 'urban' | 'arterial' | 'highway';
type StretchEnd = 'stop' | 'turn' | 'through' | 'park';

/** A piece of road between two manoeuvres. */
interface Stretch {
  kind: RoadKind;
  limitKmh: number;
  lengthM: number;
  /** Cruise speed on this stretch, m/s (above the limit on a stretch the driver speeds on). */
  targetMps: number;
  end: StretchEnd;
  /** Deceleration used when braking for this stretch's end, m/s^2 (positive). */
  brakeMps2: number;
  /** For turns: radius (m), signed angle (deg, + = right) and speed through the turn (m/s). */
  turnRadiusM: number;
  turnAngleDeg: number;
  turnSpeedMps: number;
}

interface Place {
  lat: number;
  lon: number;
}

function bearingDeg(from: Place, to: Place): number {
  const dy = (to.lat - from.lat) * 111_320;
  const dx = (to.lon - from.lon) * 111_320 * Math.cos((from.lat * Math.PI) / 180);
  return ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
}

function distanceM(a: Place, b: Place): number {
  const dy = (b.lat - a.lat) * 111_320;
  const dx = (b.lon - a.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

/** Signed smallest angle from heading `from` to heading `to`, degrees in (-180, 180]. */
function angleTo(from: number, to: number): number {
  const d = ((((to - from) % 360) + 540) % 360) - 180;
  return d === -180 ? 180 : d;
}

const POWERS_OF_TEN = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

function round(value: number, decimals: number): number {
  const f = POWERS_OF_TEN[decimals] ?? 10 ** decimals;
  return Math.round(value * f) / f;
}

const HARSH_TYPES = ['harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding'] as const;
type HarshType = (typeof HARSH_TYPES)[number];

/** Simulates one trip from `from` toward `to`, starting at `startMs` (whole seconds). */
export function simulateTrip(
  driver: SyntheticDriver,
  vehicleId: number,
  from: Place,
  to: Place,
  startMs: number,
  epochDay: number,
  tripIndex: number,
  options: DrivingOptions,
): SimulatedTrip {
  const { traits } = driver;
  const driverId = driver.row.id;
  const rnd = Random.derive(options.seed, 'trip', driverId, epochDay, tripIndex);
  const ids = Random.derive(options.seed, 'ids', driverId, epochDay, tripIndex);
  const { thresholds, sampleIntervalS } = options;
  const r = traits.riskiness;
  const isLongTrip = distanceM(from, to) > 25_000;

  /** Plans the stretch that begins at `at` with heading `heading`, `travelled` metres into the trip. */
  const planStretch = (at: Place, heading: number, travelled: number): Stretch => {
    const remaining = distanceM(at, to);
    if (remaining < 300) {
      const limitKmh = 30;
      return {
        kind: 'urban', limitKmh, lengthM: Math.max(40, remaining), targetMps: (limitKmh / 3.6) * traits.cruiseShareOfLimit, end: 'park',
        brakeMps2: traits.brakingMps2, turnRadiusM: 0, turnAngleDeg: 0, turnSpeedMps: 0,
      };
    }
    const nearEnds = travelled < 1_500 || remaining < 2_000;
    const kind: RoadKind = nearEnds ? 'urban' : isLongTrip ? 'highway' : remaining > 4_000 && rnd.chance(0.5) ? 'arterial' : 'urban';
    const limitKmh = kind === 'highway' ? rnd.pick([100, 120, 120, 130]) : kind === 'arterial' ? rnd.pick([60, 70, 70, 80]) : rnd.chance(0.2) ? 30 : 50;
    const typicalLength = kind === 'highway' ? rnd.uniform(2_000, 12_000) : kind === 'arterial' ? rnd.uniform(500, 2_500) : rnd.uniform(150, 900);
    const share = rnd.chance(traits.speedingPropensity) ? rnd.uniform(1.06, 1.12 + 0.25 * r) : traits.cruiseShareOfLimit + rnd.uniform(-0.03, 0.02);

    const offCourse = angleTo(heading, bearingDeg(at, to));
    const end: StretchEnd =
      kind === 'highway' ? 'through' : Math.abs(offCourse) > 45 ? (rnd.chance(0.8) ? 'turn' : 'stop') : rnd.pick(['stop', 'turn', 'through', 'through'] as const);
    const towardGoal = rnd.chance(Math.abs(offCourse) > 45 ? 0.85 : 0.5);
    const side = towardGoal ? Math.sign(offCourse) || 1 : rnd.chance(0.5) ? 1 : -1;
    const turnRadiusM = rnd.uniform(10, 25);
    const cornering = rnd.chance(traits.hotCornerChance)
      ? rnd.uniform(thresholds.corneringMps2 + 0.3, thresholds.corneringMps2 + 1.2 + 1.5 * r)
      : traits.corneringMps2 * rnd.uniform(0.85, 1.05);
    const hardStop = end === 'stop' && rnd.chance(traits.hardBrakeChance);
    return {
      kind,
      limitKmh,
      lengthM: Math.max(60, Math.min(remaining - 150, typicalLength)),
      targetMps: (limitKmh / 3.6) * share,
      end,
      brakeMps2: hardStop ? rnd.uniform(-thresholds.brakingMps2 + 0.4, -thresholds.brakingMps2 + 1.5 + 2.5 * r) : traits.brakingMps2 * rnd.uniform(0.85, 1.05),
      turnRadiusM,
      turnAngleDeg: side * rnd.uniform(70, 110),
      turnSpeedMps: Math.sqrt(cornering * turnRadiusM),
    };
  };

  /** Where the car will roughly be when `stretch` (started at `at`, `heading`) is done. */
  const predictEnd = (at: Place, heading: number, stretch: Stretch) => ({
    at: offset(at, stretch.lengthM, heading),
    heading: (heading + (stretch.end === 'turn' ? stretch.turnAngleDeg : 0) + 360) % 360,
  });

  const pos: Place = { ...from };
  let heading = (bearingDeg(from, to) + rnd.normal(0, 40) + 360) % 360;
  let v = 0;
  let travelledM = 0;
  let nightM = 0;

  let stretch = planStretch(pos, heading, 0);
  const firstEnd = predictEnd(pos, heading, stretch);
  let upcoming = planStretch(firstEnd.at, firstEnd.heading, stretch.lengthM);
  let stretchM = 0;
  let braking: number | undefined; // deceleration planned when braking for the stretch end began
  let turnedDeg = 0;
  let dwellLeft = 0;
  let launchMps2: number | undefined; // acceleration when pulling away from a standstill
  let hazardLeft = 0; // seconds left of an emergency brake
  let hazardMps2 = 0;

  const nextStretch = () => {
    stretch = upcoming;
    const end = predictEnd(pos, heading, stretch);
    upcoming = planStretch(end.at, end.heading, travelledM + stretch.lengthM);
    stretchM = 0;
    braking = undefined;
    turnedDeg = 0;
  };

  const events: SimulatedEvent[] = [];
  // Indexed like HARSH_TYPES: episodes counted, condition held in the previous second, condition now.
  const counts = [0, 0, 0, 0];
  const ongoing = [false, false, false, false];
  const detected = [false, false, false, false];
  let courseDeg = bearingDeg(from, to);
  let maxSpeedKmh = 0;

  const emit = (t: number, type: EventType, acceleration: number, lateral: number, limitKmh: number) => {
    const ts = startMs + t * 1000;
    const speedKmh = round(v * 3.6, 1);
    maxSpeedKmh = Math.max(maxSpeedKmh, speedKmh);
    const headingRounded = round(heading, 1);
    events.push({
      event_id: ids.uuidV7(ts),
      ts,
      event_type: type,
      lat: round(pos.lat, 6),
      lon: round(pos.lon, 6),
      speed_kmh: speedKmh,
      acceleration_mps2: acceleration,
      lateral_mps2: lateral,
      heading_deg: headingRounded >= 360 ? 0 : headingRounded,
      speed_limit_kmh: limitKmh,
    });
  };

  emit(0, 'trip_start', 0, 0, stretch.limitKmh);
  let t = 0;
  for (;;) {
    t += 1;
    const vBefore = v;
    let lateral = 0;
    let turning = false;

    if (dwellLeft > 0) {
      // Waiting at a stop line.
      dwellLeft -= 1;
      if (dwellLeft === 0) {
        nextStretch();
        launchMps2 = rnd.chance(traits.hardLaunchChance)
          ? rnd.uniform(thresholds.accelerationMps2 + 0.35, thresholds.accelerationMps2 + 1 + 1.2 * r)
          : traits.accelerationMps2 * rnd.uniform(0.9, 1.05);
      }
    } else {
      const remaining = stretch.lengthM - stretchM;
      const endSpeed =
        stretch.end === 'stop' || stretch.end === 'park' ? 0 : stretch.end === 'turn' ? stretch.turnSpeedMps : Math.min(stretch.targetMps, upcoming.targetMps);

      if (stretch.end === 'turn' && remaining <= 0) {
        // In the turn: hold speed and sweep the heading at omega = v / R; lateral acceleration is v * omega.
        turning = true;
        const omega = Math.max(v, 1) / stretch.turnRadiusM;
        const stepDeg = Math.min((omega * 180) / Math.PI, Math.abs(stretch.turnAngleDeg) - turnedDeg);
        heading = (heading + Math.sign(stretch.turnAngleDeg) * stepDeg + 360) % 360;
        turnedDeg += stepDeg;
        lateral = Math.sign(stretch.turnAngleDeg) * v * ((stepDeg * Math.PI) / 180);
        if (turnedDeg >= Math.abs(stretch.turnAngleDeg) - 1e-6) {
          nextStretch();
          launchMps2 = undefined;
        }
      } else if (hazardLeft > 0) {
        hazardLeft -= 1;
        v = Math.max(0, v - hazardMps2);
      } else if (v > endSpeed && (braking !== undefined || remaining - v <= (v * v - endSpeed * endSpeed) / (2 * stretch.brakeMps2) + 0.3 * v)) {
        // Brake at one rate, chosen when braking starts, so the car is slow enough at or before the line.
        braking ??= Math.min(stretch.brakeMps2, (v * v - endSpeed * endSpeed) / (2 * Math.max(remaining, 1)));
        v = Math.max(endSpeed, v - Math.max(braking, 0.3));
      } else if (braking !== undefined) {
        // Slow enough for the coming turn or junction: roll up to it.
        v = Math.min(endSpeed, v + 0.5);
      } else if (v < stretch.targetMps - 0.3) {
        const pull = launchMps2 ?? traits.accelerationMps2;
        const taper = 1 - (v / (stretch.targetMps + 2)) ** 2;
        v = Math.min(stretch.targetMps, v + Math.max(0.2, pull * taper));
      } else {
        launchMps2 = undefined;
        const correction = clamp(0.4 * (stretch.targetMps - v), -traits.brakingMps2 * 0.8, traits.accelerationMps2 * 0.8);
        v = Math.max(0, v + correction + rnd.noise(0.08));
        if (stretch.kind !== 'urban' && rnd.chance(traits.hardBrakeChance / 600)) {
          // Something on the road ahead: an emergency brake of a second or two.
          hazardLeft = rnd.int(1, 2);
          hazardMps2 = rnd.uniform(-thresholds.brakingMps2 + 0.5, -thresholds.brakingMps2 + 3);
        }
      }

      // Roads are not straight: outside turns the heading drifts toward the destination.
      if (!turning && v > 0.5) {
        if (t % 4 === 1) courseDeg = bearingDeg(pos, to);
        const stepDeg = clamp(angleTo(heading, courseDeg), -1, 1) * (stretch.kind === 'highway' ? 0.3 : 1) + rnd.noise(0.3);
        heading = (heading + stepDeg + 360) % 360;
        lateral = v * ((stepDeg * Math.PI) / 180);
      }
    }

    const stepM = (vBefore + v) / 2;
    if (stepM > 0) {
      const headingRad = (heading * Math.PI) / 180;
      pos.lat += (stepM * Math.cos(headingRad)) / 111_320;
      pos.lon += (stepM * Math.sin(headingRad)) / (111_320 * Math.cos((pos.lat * Math.PI) / 180));
    }
    travelledM += stepM;
    stretchM += stepM;
    if (isNight(startMs + t * 1000, pos.lon)) nightM += stepM;

    // Classify on the values as stored, so the stored events agree with the thresholds exactly.
    const acceleration = round(clamp(v - vBefore, -29, 29), 2);
    const lateralStored = round(clamp(lateral, -29, 29), 2);
    const limitKmh = stretch.limitKmh;
    detected[0] = acceleration < thresholds.brakingMps2;
    detected[1] = acceleration > thresholds.accelerationMps2;
    detected[2] = Math.abs(lateralStored) > thresholds.corneringMps2;
    detected[3] = round(v * 3.6, 1) > limitKmh;
    let emitted = false;
    for (let i = 0; i < HARSH_TYPES.length; i++) {
      // One event per episode: at the second the condition starts to hold.
      if (detected[i] && !ongoing[i]) {
        counts[i] = (counts[i] ?? 0) + 1;
        emit(t, HARSH_TYPES[i] as HarshType, acceleration, lateralStored, limitKmh);
        emitted = true;
      }
      ongoing[i] = detected[i] ?? false;
    }

    const stoppedAtLine = v === 0 && braking !== undefined && dwellLeft === 0;
    if (stoppedAtLine && stretch.end === 'park') {
      emit(t, 'trip_end', acceleration, lateralStored, limitKmh);
      break;
    }
    if (t >= MAX_TRIP_S) {
      // The logger's trip limit: the trip ends wherever the car is.
      emit(t, 'trip_end', acceleration, lateralStored, limitKmh);
      break;
    }
    if (stoppedAtLine && stretch.end === 'stop') dwellLeft = rnd.chance(0.3) ? 1 : rnd.int(5, 45);
    else if (stretch.end === 'through' && stretchM >= stretch.lengthM) nextStretch();
    if (!emitted && t % sampleIntervalS === 0) emit(t, 'position', acceleration, lateralStored, limitKmh);
  }

  const durationS = t;
  const distanceKm = travelledM / 1000;
  return {
    trip: {
      id: ids.uuidV7(startMs),
      driver_id: driverId,
      vehicle_id: vehicleId,
      started_at: startMs,
      ended_at: startMs + durationS * 1000,
      distance_km: round(distanceKm, 3),
      duration_s: durationS,
      avg_speed_kmh: round((distanceKm / durationS) * 3600, 1),
      max_speed_kmh: maxSpeedKmh,
      harsh_braking_count: counts[0] ?? 0,
      harsh_acceleration_count: counts[1] ?? 0,
      harsh_cornering_count: counts[2] ?? 0,
      speeding_count: counts[3] ?? 0,
      night_distance_km: round(nightM / 1000, 3),
      event_count: events.length,
      start_lat: round(from.lat, 6),
      start_lon: round(from.lon, 6),
      end_lat: round(pos.lat, 6),
      end_lon: round(pos.lon, 6),
    },
    events,
  };
}
