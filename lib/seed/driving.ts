import { clamp, offset, type DrivingTraits, type SyntheticDriver } from './people.js';
import type { TripRow } from '../trips/queries.js';
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

/** A simulated trip's row for the trips table: the stored `TripRow`, times as epoch milliseconds and nothing missing. */
export type SimulatedTripSummary = {
  [Column in keyof TripRow]: NonNullable<TripRow[Column]> extends Date ? number : NonNullable<TripRow[Column]>;
};

export interface SimulatedTrip {
  trip: SimulatedTripSummary;
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
  const hours = epochMs / 3_600_000 + lon / 15;
  const hour = hours - 24 * Math.floor(hours / 24); // not %: a float modulo is a slow library call in this hot path
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

/** Signed smallest angle from heading `from` to heading `to` (both in [0, 360)), degrees in (-180, 180]. */
function angleTo(from: number, to: number): number {
  const d = to - from;
  return d > 180 ? d - 360 : d <= -180 ? d + 360 : d;
}

/** `heading + deltaDeg` wrapped into [0, 360), for |deltaDeg| < 360. */
function turn(heading: number, deltaDeg: number): number {
  const h = heading + deltaDeg;
  return h >= 360 ? h - 360 : h < 0 ? h + 360 : h;
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
  return new TripSimulation(driver, vehicleId, from, to, startMs, epochDay, tripIndex, options).run();
}

/**
 * The state of one trip's simulation. A class with number fields rather than closures over `let`
 * variables: V8 updates a field's number in place, while a number captured by a closure is boxed
 * anew on every write, which made the 1 Hz loop allocation-bound. For the same reason "not
 * braking" is a boolean beside the rate rather than `undefined`.
 */
class TripSimulation {
  private readonly traits: DrivingTraits;
  private readonly thresholds: HarshThresholds;
  private readonly sampleIntervalS: number;
  private readonly rnd: Random;
  private readonly ids: Random;
  private readonly isLongTrip: boolean;
  /** The harsh thresholds in hundredths of m/s^2, the resolution events are stored at. */
  private readonly brakingCenti: number;
  private readonly accelerationCenti: number;
  private readonly corneringCenti: number;

  private readonly pos: Place;
  private heading: number;
  private v = 0;
  private travelledM = 0;
  private nightM = 0;
  private atNight = false;
  private courseDeg: number;
  private metresPerDegreeLon: number;

  private stretch: Stretch;
  private upcoming: Stretch;
  private stretchM = 0;
  private braking = false;
  /** Deceleration chosen when braking for the stretch's end began, m/s^2. */
  private brakingMps2 = 0;
  private turnedDeg = 0;
  private dwellLeft = 0;
  /** Acceleration when pulling away from a standstill; 0 = the driver's usual. */
  private launchMps2 = 0;
  private hazardLeft = 0;
  private hazardMps2 = 0;

  private readonly events: SimulatedEvent[] = [];
  /** Indexed like HARSH_TYPES: episodes counted, and whether the condition held the previous second. */
  private readonly counts = [0, 0, 0, 0];
  private readonly ongoing = [false, false, false, false];

  constructor(
    private readonly driver: SyntheticDriver,
    private readonly vehicleId: number,
    private readonly from: Place,
    private readonly to: Place,
    private readonly startMs: number,
    epochDay: number,
    tripIndex: number,
    options: DrivingOptions,
  ) {
    this.traits = driver.traits;
    this.thresholds = options.thresholds;
    this.sampleIntervalS = options.sampleIntervalS;
    this.rnd = Random.derive(options.seed, 'trip', driver.row.id, epochDay, tripIndex);
    this.ids = Random.derive(options.seed, 'ids', driver.row.id, epochDay, tripIndex);
    this.isLongTrip = distanceM(from, to) > 25_000;
    this.brakingCenti = Math.round(options.thresholds.brakingMps2 * 100);
    this.accelerationCenti = Math.round(options.thresholds.accelerationMps2 * 100);
    this.corneringCenti = Math.round(options.thresholds.corneringMps2 * 100);
    this.pos = { lat: from.lat, lon: from.lon };
    this.courseDeg = bearingDeg(from, to);
    this.heading = turn(this.courseDeg, clamp(this.rnd.normal(0, 40), -179, 179));
    this.metresPerDegreeLon = 111_320 * Math.cos((from.lat * Math.PI) / 180);
    this.stretch = this.planStretch(this.pos, this.heading, 0);
    const end = this.predictEnd(this.pos, this.heading, this.stretch);
    this.upcoming = this.planStretch(end.at, end.heading, this.stretch.lengthM);
  }

  run(): SimulatedTrip {
    this.emit(0, 'trip_start', 0, 0, this.stretch.limitKmh);
    let t = 0;
    while (!this.step(++t));
    return this.result(t);
  }

  /** Advances one second; returns true once the trip has ended. */
  private step(t: number): boolean {
    const { traits, thresholds, rnd } = this;
    const vBefore = this.v;
    let lateral = 0;
    let turning = false;

    if (this.dwellLeft > 0) {
      // Waiting at a stop line.
      this.dwellLeft -= 1;
      if (this.dwellLeft === 0) {
        this.advanceStretch();
        this.launchMps2 = rnd.chance(traits.hardLaunchChance)
          ? rnd.uniform(thresholds.accelerationMps2 + 0.35, thresholds.accelerationMps2 + 1 + 1.2 * traits.riskiness)
          : traits.accelerationMps2 * rnd.uniform(0.9, 1.05);
      }
    } else {
      const stretch = this.stretch;
      const v = this.v;
      const remaining = stretch.lengthM - this.stretchM;
      const endSpeed =
        stretch.end === 'stop' || stretch.end === 'park' ? 0 : stretch.end === 'turn' ? stretch.turnSpeedMps : Math.min(stretch.targetMps, this.upcoming.targetMps);

      if (stretch.end === 'turn' && remaining <= 0) {
        // In the turn: hold speed and sweep the heading at omega = v / R; lateral acceleration is v * omega.
        turning = true;
        const omegaDeg = ((Math.max(v, 1) / stretch.turnRadiusM) * 180) / Math.PI;
        const stepDeg = Math.min(omegaDeg, Math.abs(stretch.turnAngleDeg) - this.turnedDeg);
        this.heading = turn(this.heading, Math.sign(stretch.turnAngleDeg) * stepDeg);
        this.turnedDeg += stepDeg;
        lateral = Math.sign(stretch.turnAngleDeg) * v * ((stepDeg * Math.PI) / 180);
        if (this.turnedDeg >= Math.abs(stretch.turnAngleDeg) - 1e-6) {
          this.advanceStretch();
          this.launchMps2 = 0;
        }
      } else if (this.hazardLeft > 0) {
        this.hazardLeft -= 1;
        this.v = Math.max(0, v - this.hazardMps2);
      } else if (v > endSpeed && (this.braking || remaining - v <= (v * v - endSpeed * endSpeed) / (2 * stretch.brakeMps2) + 0.3 * v)) {
        // Brake at one rate, chosen when braking starts, so the car is slow enough at or before the line.
        if (!this.braking) {
          this.braking = true;
          this.brakingMps2 = Math.max(0.3, Math.min(stretch.brakeMps2, (v * v - endSpeed * endSpeed) / (2 * Math.max(remaining, 1))));
        }
        this.v = Math.max(endSpeed, v - this.brakingMps2);
      } else if (this.braking) {
        // Slow enough for the coming turn or junction: roll up to it.
        this.v = Math.min(endSpeed, v + 0.5);
      } else if (v < stretch.targetMps - 0.3) {
        const pull = this.launchMps2 || traits.accelerationMps2;
        const taper = 1 - (v / (stretch.targetMps + 2)) ** 2;
        this.v = Math.min(stretch.targetMps, v + Math.max(0.2, pull * taper));
      } else {
        this.launchMps2 = 0;
        const correction = clamp(0.4 * (stretch.targetMps - v), -traits.brakingMps2 * 0.8, traits.accelerationMps2 * 0.8);
        this.v = Math.max(0, v + correction + rnd.jitter(0.08));
        if (stretch.kind !== 'urban' && rnd.chance(traits.hardBrakeChance / 600)) {
          // Something on the road ahead: an emergency brake of a second or two.
          this.hazardLeft = rnd.int(1, 2);
          this.hazardMps2 = rnd.uniform(-thresholds.brakingMps2 + 0.5, -thresholds.brakingMps2 + 3);
        }
      }

      // Roads are not straight: outside turns the heading drifts toward the destination.
      if (!turning && this.v > 0.5) {
        if (t % 4 === 1) this.courseDeg = bearingDeg(this.pos, this.to);
        const pull = clamp(angleTo(this.heading, this.courseDeg), -1, 1) * (stretch.kind === 'highway' ? 0.3 : 1);
        const stepDeg = pull + rnd.jitter(0.3);
        this.heading = turn(this.heading, stepDeg);
        lateral = this.v * ((stepDeg * Math.PI) / 180);
      }
    }

    const v = this.v;
    const stepM = (vBefore + v) / 2;
    if (stepM > 0) {
      const headingRad = (this.heading * Math.PI) / 180;
      // Metres per degree of longitude change slowly with latitude: refresh once a minute.
      if (t % 60 === 1) this.metresPerDegreeLon = 111_320 * Math.cos((this.pos.lat * Math.PI) / 180);
      this.pos.lat += (stepM * Math.cos(headingRad)) / 111_320;
      this.pos.lon += (stepM * Math.sin(headingRad)) / this.metresPerDegreeLon;
      this.travelledM += stepM;
      this.stretchM += stepM;
      // Darkness changes slowly: re-check once a minute (night distance to the minute is plenty).
      if (t % 60 === 1) this.atNight = isNight(this.startMs + t * 1000, this.pos.lon);
      if (this.atNight) this.nightM += stepM;
    }

    // Classify on the values as stored (accelerations to 0.01 m/s^2, speed to 0.1 km/h), so stored
    // events agree with the thresholds exactly; compared as integer hundredths/tenths to keep this
    // per-second path free of divisions.
    const accelerationCenti = Math.round(clamp(v - vBefore, -29, 29) * 100);
    const lateralCenti = Math.round(clamp(lateral, -29, 29) * 100);
    const acceleration = accelerationCenti / 100;
    const lateralStored = lateralCenti / 100;
    const limitKmh = this.stretch.limitKmh;
    let emitted = false;
    for (let i = 0; i < HARSH_TYPES.length; i++) {
      const holds =
        i === 0 ? accelerationCenti < this.brakingCenti
        : i === 1 ? accelerationCenti > this.accelerationCenti
        : i === 2 ? Math.abs(lateralCenti) > this.corneringCenti
        : Math.round(v * 3.6 * 10) > limitKmh * 10; // the same expression as round(v * 3.6, 1) in emit()
      // One event per episode: at the second the condition starts to hold.
      if (holds && !this.ongoing[i]) {
        this.counts[i] = (this.counts[i] ?? 0) + 1;
        this.emit(t, HARSH_TYPES[i] as HarshType, acceleration, lateralStored, limitKmh);
        emitted = true;
      }
      this.ongoing[i] = holds;
    }

    const stoppedAtLine = v === 0 && this.braking && this.dwellLeft === 0;
    if ((stoppedAtLine && this.stretch.end === 'park') || t >= MAX_TRIP_S) {
      // Parked; or the logger's trip limit was reached and the trip ends wherever the car is.
      this.emit(t, 'trip_end', acceleration, lateralStored, limitKmh);
      return true;
    }
    if (stoppedAtLine && this.stretch.end === 'stop') this.dwellLeft = rnd.chance(0.3) ? 1 : rnd.int(5, 45);
    else if (this.stretch.end === 'through' && this.stretchM >= this.stretch.lengthM) this.advanceStretch();
    if (!emitted && t % this.sampleIntervalS === 0) this.emit(t, 'position', acceleration, lateralStored, limitKmh);
    return false;
  }

  /** Plans the stretch that begins at `at` with heading `heading`, `travelled` metres into the trip. */
  private planStretch(at: Place, heading: number, travelled: number): Stretch {
    const { traits, thresholds, rnd } = this;
    const r = traits.riskiness;
    const remaining = distanceM(at, this.to);
    if (remaining < 300) {
      const limitKmh = 30;
      return {
        kind: 'urban', limitKmh, lengthM: Math.max(40, remaining), targetMps: (limitKmh / 3.6) * traits.cruiseShareOfLimit, end: 'park',
        brakeMps2: traits.brakingMps2, turnRadiusM: 0, turnAngleDeg: 0, turnSpeedMps: 0,
      };
    }
    const nearEnds = travelled < 1_500 || remaining < 2_000;
    const kind: RoadKind = nearEnds ? 'urban' : this.isLongTrip ? 'highway' : remaining > 4_000 && rnd.chance(0.5) ? 'arterial' : 'urban';
    const limitKmh = kind === 'highway' ? rnd.pick([100, 120, 120, 130]) : kind === 'arterial' ? rnd.pick([60, 70, 70, 80]) : rnd.chance(0.2) ? 30 : 50;
    const typicalLength = kind === 'highway' ? rnd.uniform(2_000, 12_000) : kind === 'arterial' ? rnd.uniform(500, 2_500) : rnd.uniform(150, 900);
    const share = rnd.chance(traits.speedingPropensity) ? rnd.uniform(1.06, 1.12 + 0.25 * r) : traits.cruiseShareOfLimit + rnd.uniform(-0.03, 0.02);

    const offCourse = angleTo(heading, bearingDeg(at, this.to));
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
  }

  /** Where the car will roughly be when `stretch` (begun at `at` with `heading`) is done. */
  private predictEnd(at: Place, heading: number, stretch: Stretch): { at: Place; heading: number } {
    return { at: offset(at, stretch.lengthM, heading), heading: turn(heading, stretch.end === 'turn' ? stretch.turnAngleDeg : 0) };
  }

  /** Moves on to the planned next stretch and plans the one after it (one stretch of look-ahead, for braking). */
  private advanceStretch(): void {
    this.stretch = this.upcoming;
    const end = this.predictEnd(this.pos, this.heading, this.stretch);
    this.upcoming = this.planStretch(end.at, end.heading, this.travelledM + this.stretch.lengthM);
    this.stretchM = 0;
    this.braking = false;
    this.turnedDeg = 0;
  }

  private emit(t: number, type: EventType, acceleration: number, lateral: number, limitKmh: number): void {
    const ts = this.startMs + t * 1000;
    const heading = round(this.heading, 1);
    this.events.push({
      event_id: this.ids.uuidV7(ts),
      ts,
      event_type: type,
      lat: round(this.pos.lat, 6),
      lon: round(this.pos.lon, 6),
      speed_kmh: round(this.v * 3.6, 1),
      acceleration_mps2: acceleration,
      lateral_mps2: lateral,
      heading_deg: heading >= 360 ? 0 : heading,
      speed_limit_kmh: limitKmh,
    });
  }

  private result(durationS: number): SimulatedTrip {
    const { events, startMs } = this;
    const distanceKm = this.travelledM / 1000;
    let maxSpeedKmh = 0;
    for (const event of events) maxSpeedKmh = Math.max(maxSpeedKmh, event.speed_kmh);
    return {
      trip: {
        id: this.ids.uuidV7(startMs),
        driver_id: this.driver.row.id,
        vehicle_id: this.vehicleId,
        started_at: startMs,
        ended_at: startMs + durationS * 1000,
        distance_km: round(distanceKm, 3),
        duration_s: durationS,
        avg_speed_kmh: round((distanceKm / durationS) * 3600, 1),
        max_speed_kmh: maxSpeedKmh,
        harsh_braking_count: this.counts[0] ?? 0,
        harsh_acceleration_count: this.counts[1] ?? 0,
        harsh_cornering_count: this.counts[2] ?? 0,
        speeding_count: this.counts[3] ?? 0,
        night_distance_km: round(this.nightM / 1000, 3),
        event_count: events.length,
        start_lat: round(this.from.lat, 6),
        start_lon: round(this.from.lon, 6),
        end_lat: round(this.pos.lat, 6),
        end_lon: round(this.pos.lon, 6),
      },
      events,
    };
  }
}
