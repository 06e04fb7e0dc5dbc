import { Random } from './random.js';

/**
 * Synthetic drivers with their vehicles, policies and claims history. Each driver is generated
 * from its own random stream, so driver N is the same whatever else is generated around it.
 * A driver's riskiness and habits (`DrivingTraits`) steer the simulation and the claims draw; they
 * are never written to the database.
 */

export interface City {
  name: string;
  lat: number;
  lon: number;
}

export const CITIES: readonly City[] = [
  { name: 'Berlin', lat: 52.52, lon: 13.405 },
  { name: 'Hamburg', lat: 53.5511, lon: 9.9937 },
  { name: 'Munich', lat: 48.1351, lon: 11.582 },
  { name: 'Cologne', lat: 50.9375, lon: 6.9603 },
  { name: 'Frankfurt', lat: 50.1109, lon: 8.6821 },
  { name: 'Stuttgart', lat: 48.7758, lon: 9.1829 },
  { name: 'Vienna', lat: 48.2082, lon: 16.3738 },
  { name: 'Zurich', lat: 47.3769, lon: 8.5417 },
  { name: 'Amsterdam', lat: 52.3676, lon: 4.9041 },
  { name: 'Copenhagen', lat: 55.6761, lon: 12.5683 },
];

const FIRST_NAMES = [
  'Anna', 'Ben', 'Clara', 'David', 'Elena', 'Felix', 'Greta', 'Hannes', 'Ida', 'Jonas', 'Katrin', 'Lukas',
  'Mia', 'Noah', 'Olivia', 'Paul', 'Quentin', 'Rosa', 'Simon', 'Tina', 'Umut', 'Vera', 'Wim', 'Xenia',
  'Yusuf', 'Zoe', 'Amir', 'Birgit', 'Carlos', 'Daria', 'Emil', 'Fatima', 'Georg', 'Hanna', 'Ilja', 'Julia',
] as const;

const LAST_NAMES = [
  'Muller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
  'Koch', 'Richter', 'Klein', 'Wolf', 'Neumann', 'Schwarz', 'Braun', 'Zimmermann', 'Hartmann', 'Kruger',
  'Jansen', 'de Vries', 'Bakker', 'Visser', 'Hansen', 'Nielsen', 'Gruber', 'Huber', 'Bauer', 'Keller',
] as const;

interface VehicleModel {
  make: string;
  model: string;
  /** World manufacturer identifier, the first three VIN characters. */
  wmi: string;
}

const VEHICLE_MODELS: readonly VehicleModel[] = [
  { make: 'Volkswagen', model: 'Golf', wmi: 'WVW' },
  { make: 'Volkswagen', model: 'Passat', wmi: 'WVW' },
  { make: 'BMW', model: '320d', wmi: 'WBA' },
  { make: 'Mercedes-Benz', model: 'C 200', wmi: 'WDD' },
  { make: 'Audi', model: 'A4', wmi: 'WAU' },
  { make: 'Skoda', model: 'Octavia', wmi: 'TMB' },
  { make: 'Renault', model: 'Clio', wmi: 'VF1' },
  { make: 'Toyota', model: 'Corolla', wmi: 'JTD' },
  { make: 'Ford', model: 'Focus', wmi: 'WF0' },
  { make: 'Opel', model: 'Astra', wmi: 'W0L' },
  { make: 'Volvo', model: 'XC60', wmi: 'YV1' },
  { make: 'Tesla', model: 'Model 3', wmi: '5YJ' },
];

/** Hidden habits that drive the simulation. */
export interface DrivingTraits {
  /** 0 (very safe) .. 1 (very risky). Never stored. */
  riskiness: number;
  /** Cruise speed as a share of the limit on ordinary road stretches. */
  cruiseShareOfLimit: number;
  /** Probability that a road stretch is driven above the limit. */
  speedingPropensity: number;
  /** Usual acceleration from standstill, m/s^2. */
  accelerationMps2: number;
  /** Usual deceleration when braking to a stop, m/s^2 (positive). */
  brakingMps2: number;
  /** Lateral acceleration the driver accepts in a turn, m/s^2. */
  corneringMps2: number;
  /** Probability that a stop is a late, hard one. */
  hardBrakeChance: number;
  /** Probability that a start from standstill is a hard one. */
  hardLaunchChance: number;
  /** Probability that a turn is taken too fast. */
  hotCornerChance: number;
  /** Probability of a late-night outing on a given day. */
  nightOutChance: number;
  /** Commutes on weekdays. */
  commuter: boolean;
  home: { lat: number; lon: number };
  work: { lat: number; lon: number };
}

export interface DriverRow {
  id: number;
  license_number: string;
  name: string;
  email: string;
  date_of_birth: string;
  licensed_since: string;
  active: boolean;
  created_at: Date;
}

export interface VehicleRow {
  id: number;
  driver_id: number;
  vin: string;
  make: string;
  model: string;
  year: number;
}

export interface PolicyRow {
  id: number;
  policy_number: string;
  driver_id: number;
  vehicle_id: number;
  base_premium: number;
  status: 'active' | 'lapsed' | 'cancelled';
  start_date: string;
  end_date: string;
}

export interface ClaimRow {
  driver_id: number;
  occurred_on: string;
  severity: 'minor' | 'moderate' | 'major';
  amount: number;
}

export interface SyntheticDriver {
  row: DriverRow;
  vehicles: VehicleRow[];
  policies: PolicyRow[];
  claims: ClaimRow[];
  traits: DrivingTraits;
}

const DAY_MS = 86_400_000;

/** Generates driver number `index` (0-based; its id is index + 1) as of `end`. */
export function generateDriver(seed: number, index: number, end: Date): SyntheticDriver {
  const id = index + 1;
  const rnd = Random.derive(seed, 'driver', id);

  const first = rnd.pick(FIRST_NAMES);
  const last = rnd.pick(LAST_NAMES);
  const ageYears = Math.round(Math.min(82, Math.max(18, rnd.normal(44, 14))));
  const birth = new Date(end.getTime() - (ageYears * 365.25 + rnd.int(0, 364)) * DAY_MS);
  const yearsLicensed = Math.max(0, Math.min(ageYears - 17, Math.round(rnd.uniform(0, ageYears - 17))));
  const licensedSince = new Date(end.getTime() - (yearsLicensed * 365.25 + rnd.int(0, 300)) * DAY_MS);

  // Riskiness: a latent tendency, a little higher for novices and the very young.
  const inexperience = yearsLicensed < 3 ? 0.8 : yearsLicensed < 8 ? 0.3 : 0;
  const riskiness = 1 / (1 + Math.exp(-(rnd.normal(-0.9, 1.1) + inexperience)));

  const city = rnd.pick(CITIES);
  const home = offset(city, rnd.uniform(0, 12_000), rnd.uniform(0, 360));
  const work = offset(home, rnd.uniform(3_000, 25_000), rnd.uniform(0, 360));
  const traits: DrivingTraits = {
    riskiness,
    cruiseShareOfLimit: clamp(rnd.normal(0.9, 0.025), 0.82, 0.95),
    speedingPropensity: 0.003 + 0.12 * riskiness ** 2,
    accelerationMps2: 0.9 + 0.7 * riskiness + rnd.uniform(-0.1, 0.1),
    brakingMps2: 1.3 + 0.8 * riskiness + rnd.uniform(-0.1, 0.1),
    corneringMps2: 1.6 + 1.0 * riskiness + rnd.uniform(-0.1, 0.1),
    hardBrakeChance: 0.004 + 0.12 * riskiness ** 2,
    hardLaunchChance: 0.003 + 0.1 * riskiness ** 2,
    hotCornerChance: 0.003 + 0.1 * riskiness ** 2,
    nightOutChance: 0.02 + 0.25 * riskiness,
    commuter: rnd.chance(0.7),
    home,
    work,
  };

  const active = rnd.chance(0.97);
  const createdAt = new Date(end.getTime() - rnd.int(120, 1_500) * DAY_MS - rnd.int(0, DAY_MS - 1));
  const row: DriverRow = {
    id,
    license_number: `DL-${String(id).padStart(7, '0')}-${letters(rnd, 3)}`,
    name: `${first} ${last}`,
    email: `${first}.${last.replace(/\s+/g, '')}.${id}@example.com`.toLowerCase(),
    date_of_birth: isoDate(birth),
    licensed_since: isoDate(licensedSince < birthPlus(birth, 17) ? birthPlus(birth, 17) : licensedSince),
    active,
    created_at: createdAt,
  };

  // Vehicle ids are derived from the driver id so they need no coordination: 2n-1 and 2n.
  const vehicleCount = rnd.chance(0.12) ? 2 : 1;
  const vehicles: VehicleRow[] = [];
  const policies: PolicyRow[] = [];
  for (let v = 0; v < vehicleCount; v++) {
    const vehicleId = 2 * id - 1 + v;
    const model = rnd.pick(VEHICLE_MODELS);
    const year = end.getUTCFullYear() - rnd.int(0, 15);
    vehicles.push({ id: vehicleId, driver_id: id, vin: vin(model.wmi, year, vehicleId, rnd), make: model.make, model: model.model, year });

    const start = new Date(end.getTime() - rnd.int(30, 360) * DAY_MS);
    const startDate = isoDate(start);
    policies.push({
      id: vehicleId,
      policy_number: `POL-${start.getUTCFullYear()}-${String(vehicleId).padStart(7, '0')}`,
      driver_id: id,
      vehicle_id: vehicleId,
      base_premium: Math.round(rnd.uniform(55, 140) * (ageYears < 25 ? 1.4 : 1) * 100) / 100,
      status: active ? 'active' : rnd.chance(0.5) ? 'lapsed' : 'cancelled',
      start_date: startDate,
      end_date: isoDate(new Date(Date.UTC(start.getUTCFullYear() + 1, start.getUTCMonth(), start.getUTCDate()))),
    });
  }

  return { row, vehicles, policies, claims: drawClaims(seed, id, riskiness, end), traits };
}

/**
 * Claims over the year before `end`: a Poisson draw whose yearly rate grows with riskiness
 * (about 3 % for the safest drivers, about 50 % for the riskiest), with severity also tied to it.
 */
function drawClaims(seed: number, driverId: number, riskiness: number, end: Date): ClaimRow[] {
  const rnd = Random.derive(seed, 'claims', driverId);
  const count = rnd.poisson(0.03 + 0.5 * riskiness ** 2);
  const claims: ClaimRow[] = [];
  for (let i = 0; i < count; i++) {
    const roll = rnd.next() * (0.6 + 0.4 * riskiness);
    const severity = roll > 0.85 ? 'major' : roll > 0.5 ? 'moderate' : 'minor';
    const median = severity === 'major' ? 18_000 : severity === 'moderate' ? 4_500 : 900;
    claims.push({
      driver_id: driverId,
      occurred_on: isoDate(new Date(end.getTime() - rnd.int(1, 365) * DAY_MS)),
      severity,
      amount: Math.round(median * Math.exp(rnd.normal(0, 0.5)) * 100) / 100,
    });
  }
  return claims;
}

/** A point `distanceM` metres from `from` on bearing `bearingDeg` (flat-earth approximation, fine at city scale). */
export function offset(from: { lat: number; lon: number }, distanceM: number, bearingDeg: number): { lat: number; lon: number } {
  const bearing = (bearingDeg * Math.PI) / 180;
  const dLat = (distanceM * Math.cos(bearing)) / 111_320;
  const dLon = (distanceM * Math.sin(bearing)) / (111_320 * Math.cos((from.lat * Math.PI) / 180));
  return { lat: from.lat + dLat, lon: from.lon + dLon };
}

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const VIN_YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** A well-formed 17-character VIN (ISO 3779 with the North American check digit); unique through the vehicle id. */
function vin(wmi: string, year: number, vehicleId: number, rnd: Random): string {
  const descriptor = Array.from({ length: 5 }, () => rnd.pick([...VIN_CHARS])).join('');
  const yearCode = VIN_YEAR_CODES[(year - 1980) % 30] ?? 'A';
  const plant = rnd.pick([...'ABCDEFGHJKLMNPRSTUVWXYZ']);
  const serial = String(vehicleId).padStart(6, '0');
  const draft = `${wmi}${descriptor}0${yearCode}${plant}${serial}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += vinValue(draft.charAt(i)) * (VIN_WEIGHTS[i] ?? 0);
  const check = sum % 11 === 10 ? 'X' : String(sum % 11);
  return `${draft.slice(0, 8)}${check}${draft.slice(9)}`;
}

function vinValue(char: string): number {
  if (/\d/.test(char)) return Number(char);
  const values: Record<string, number> = {
    A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
    S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
  };
  return values[char] ?? 0;
}

function letters(rnd: Random, count: number): string {
  return Array.from({ length: count }, () => String.fromCharCode(65 + rnd.int(0, 25))).join('');
}

function birthPlus(birth: Date, years: number): Date {
  return new Date(Date.UTC(birth.getUTCFullYear() + years, birth.getUTCMonth(), birth.getUTCDate()));
}

export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
