import { randomBytes, randomUUID } from 'node:crypto';
import { API_ROUTES } from '../../../lib/openapi/index.js';
import type { RouteSpec } from '../../../lib/router/index.js';
import { send, type ApiCall, type Transport } from './api.js';
import { PASSWORD, type DriverFixture, type Fixture } from './fixture.js';

/**
 * The authorization matrix: every route of API_ROUTES, called by anonymous, driver A, driver B, a
 * deactivated driver and an admin, with a sample valid request per operation. Routes that name a
 * driver's data (a `{driverId}` or `{tripId}`) are called once for A's data and once for B's. The
 * expected status follows from the route spec alone:
 *
 *   anonymous, deactivated   public: the success status; otherwise 401
 *   admin                    the success status, except a `/me` route (an admin is no driver): 403
 *   driver X                 admin routes 403; `/me` routes success; another driver's data 403
 *
 * and a driver's 2xx answer must not mention the other driver's identifiers anywhere. A route
 * without an entry in SAMPLES makes the matrix throw, so a new route cannot be left out.
 */

export type Actor = 'anonymous' | 'driverA' | 'driverB' | 'deactivated' | 'admin';
export const ACTORS: readonly Actor[] = ['anonymous', 'driverA', 'driverB', 'deactivated', 'admin'];

export type Tokens = Readonly<Record<Exclude<Actor, 'anonymous'>, string>>;

interface Sample {
  /** Whose data the request names: a driver route called for A's and for B's data. */
  owned?: boolean;
  request(fixture: Fixture, subject: DriverFixture): Omit<ApiCall, 'spec' | 'token'>;
}

/** A valid request for every operation (by operationId). */
export const SAMPLES: Readonly<Record<string, Sample>> = {
  // The admin's login: its answer names no driver, so no actor can be said to receive another's data.
  login: { request: (f) => ({ body: { username: f.adminUsername, password: PASSWORD } }) },
  listDrivers: { request: () => ({ query: { status: 'all', page_size: '5' } }) },
  createDriver: {
    request: (f) => {
      const tag = randomBytes(3).toString('hex');
      return {
        body: {
          license_number: `SEC-${f.suffix}-N${tag}`.toUpperCase(),
          name: 'Created By Matrix',
          email: `sec.${f.suffix}.n${tag}@example.com`,
          date_of_birth: '1990-02-28',
          licensed_since: '2010-01-01',
        },
      };
    },
  },
  getMyDriver: { request: () => ({}) },
  getMyStatistics: { request: () => ({}) },
  getDriver: { owned: true, request: (_f, s) => ({ path: { driverId: s.driverId } }) },
  updateDriver: { request: (f) => ({ path: { driverId: f.editTarget }, body: { name: 'Edited By Matrix' } }) },
  deactivateDriver: { request: (f) => ({ path: { driverId: f.deactivateTarget } }) },
  getDriverStatistics: { owned: true, request: (_f, s) => ({ path: { driverId: s.driverId }, query: { from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' } }) },
  listMyTrips: { request: () => ({ query: { limit: '1' } }) },
  listDriverTrips: { owned: true, request: (_f, s) => ({ path: { driverId: s.driverId } }) },
  getTrip: { owned: true, request: (_f, s) => ({ path: { tripId: s.tripIds[0]! } }) },
  listMyEvents: { request: () => ({}) },
  listDriverEvents: { owned: true, request: (_f, s) => ({ path: { driverId: s.driverId }, query: { types: 'harsh_braking' } }) },
  ingestEvents: {
    owned: true,
    request: (_f, s) => ({
      body: {
        events: [{ event_id: randomUUID(), ts: new Date(Date.now() - 3_600_000).toISOString(), driver_id: s.driverId, vehicle_id: s.vehicleId, event_type: 'position', lat: 52.5, lon: 13.4 }],
      },
    }),
  },
  getMyRiskScore: { request: () => ({}) },
  getMyRiskHistory: { request: () => ({}) },
  getRiskScore: { owned: true, request: (_f, s) => ({ path: { driverId: s.driverId } }) },
  getRiskHistory: { owned: true, request: (_f, s) => ({ path: { driverId: s.driverId }, query: { limit: '1' } }) },
  getMyPremium: { request: () => ({}) },
  getPremium: { owned: true, request: (_f, s) => ({ path: { driverId: s.driverId } }) },
  getDashboardSummary: { request: () => ({}) },
  getTripActivity: { request: () => ({}) },
  getRiskDistribution: { request: () => ({}) },
  getSafetyEvents: { request: () => ({}) },
  getCacheStats: { request: () => ({}) },
  invalidateCache: { request: (f) => ({ body: { group: `driver:${f.a.driverId}` } }) },
  getHealth: { request: () => ({}) },
  getMetrics: { request: () => ({}) },
  getOpenApiDocument: { request: () => ({}) },
  getDocsPage: { request: () => ({}) },
  getDocsAsset: { request: () => ({ path: { asset: 'docs-init.js' } }) },
  getConsolePage: { request: () => ({}) },
  getConsoleAsset: { request: () => ({ path: { asset: 'console.css' } }) },
};

export interface MatrixCase {
  spec: RouteSpec;
  actor: Actor;
  /** Whose data a driver route names, for routes that name one. */
  subject?: 'A' | 'B';
  call: ApiCall;
  expected: number;
}

export function sampleFor(spec: RouteSpec): Sample {
  const sample = SAMPLES[spec.operationId];
  if (!sample) throw new Error(`No sample request for ${spec.operationId} (${spec.method} ${spec.path}): add one to SAMPLES in test/e2e/security/matrix.ts`);
  return sample;
}

function expectedStatus(spec: RouteSpec, actor: Actor, subject: 'A' | 'B' | undefined): number {
  const success = spec.response.status;
  if (spec.auth === 'public') return success;
  if (actor === 'anonymous' || actor === 'deactivated') return 401;
  if (actor === 'admin') return /\/me(\/|$)/.test(spec.path) ? 403 : success;
  if (spec.auth === 'admin') return 403;
  const own = actor === 'driverA' ? 'A' : 'B';
  return subject === undefined || subject === own ? success : 403;
}

export function matrixCases(fixture: Fixture, tokens: Tokens, routes: readonly RouteSpec[] = API_ROUTES): MatrixCase[] {
  const cases: MatrixCase[] = [];
  for (const spec of routes) {
    const sample = sampleFor(spec);
    const subjects = sample.owned ? (['A', 'B'] as const) : [undefined];
    for (const actor of ACTORS) {
      for (const subject of subjects) {
        const request = sample.request(fixture, subject === 'B' ? fixture.b : fixture.a);
        const token = actor === 'anonymous' ? undefined : tokens[actor];
        cases.push({
          spec,
          actor,
          ...(subject ? { subject } : {}),
          call: { spec, ...request, ...(token === undefined ? {} : { token }) },
          expected: expectedStatus(spec, actor, subject),
        });
      }
    }
  }
  return cases;
}

/** What identifies a driver's data: none may appear in an answer given to the other driver. */
function markersOf(driver: DriverFixture): (string | RegExp)[] {
  return [
    new RegExp(`"driver_id":${driver.driverId}(?!\\d)`),
    driver.licenseNumber,
    driver.email,
    driver.username,
    driver.vin,
    driver.policyNumber,
    ...driver.tripIds,
    ...driver.eventIds,
  ];
}

export interface Violation {
  /** The case, e.g. `GET /api/v1/drivers/{driverId} as driverA on B's data`. */
  name: string;
  route: string;
  actor: Actor;
  subject?: 'A' | 'B';
  problem: string;
}

export const describeCase = (c: { spec: Pick<RouteSpec, 'method' | 'path'>; actor: Actor; subject?: 'A' | 'B' | undefined }): string =>
  `${c.spec.method} ${c.spec.path} as ${c.actor}${c.subject ? ` on ${c.subject}'s data` : ''}`;

/** Runs every case and returns what broke the rules (empty when the API enforces them all). */
export async function runMatrix(transport: Transport, fixture: Fixture, cases: readonly MatrixCase[]): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const c of cases) {
    const answer = await send(transport, c.call);
    const route = `${c.spec.method} ${c.spec.path}`;
    const base = { name: describeCase(c), route, actor: c.actor, ...(c.subject ? { subject: c.subject } : {}) };
    if (answer.status !== c.expected) {
      violations.push({ ...base, problem: `expected ${c.expected}, got ${answer.status}: ${answer.text.slice(0, 200)}` });
    }
    if ((c.actor === 'driverA' || c.actor === 'driverB') && answer.status < 300) {
      const other = c.actor === 'driverA' ? fixture.b : fixture.a;
      const leaked = markersOf(other).filter((marker) => (typeof marker === 'string' ? answer.text.includes(marker) : marker.test(answer.text)));
      if (leaked.length > 0) violations.push({ ...base, problem: `the answer holds the other driver's data: ${leaked.map(String).join(', ')}` });
    }
  }
  return violations;
}
