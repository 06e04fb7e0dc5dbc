/**
 * The request mix of `npm run bench:api`: mostly drivers reading their own data, the driver chosen
 * by a Zipf law (a few drivers open the app far more often than most), some dashboard figures and
 * some admin list pages. The same seed and population give the same sequence, so the in-process
 * and HTTP measurements replay one mix.
 */
import { dashboardApi } from '../../lib/dashboard/routes.js';
import { driversApi } from '../../lib/drivers/routes.js';
import { eventsApi } from '../../lib/events/routes.js';
import { premiumsApi } from '../../lib/premiums/routes.js';
import { riskApi } from '../../lib/risk/routes.js';
import { routeKeyOf, type RouteSpec } from '../../lib/router/index.js';
import { tripsApi } from '../../lib/trips/routes.js';

/** A driver of the dataset as the benchmark uses it: a signed token and some of their trips. */
export interface BenchDriver {
  driverId: number;
  token: string;
  /** The driver's most recent trips (may be empty). */
  tripIds: string[];
}

export interface Population {
  /** In Zipf rank order: `drivers[0]` is the most active. */
  drivers: BenchDriver[];
  adminToken: string;
}

export type RequestGroup = 'driver' | 'dashboard' | 'admin';

/** One request of the mix, as an API Gateway event needs it and as an HTTP client sends it. */
export interface BenchRequest {
  kind: string;
  group: RequestGroup;
  /** The function serving it: the route's domain (one name per domain, functions/<tag>/handler.ts). */
  functionName: string;
  routeKey: string;
  /** The concrete path, e.g. `/api/v1/trips/6f0c…`. */
  path: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  token: string;
}

/** Zipf exponent of the choice of driver: rank r is chosen with probability proportional to 1 / r^s. */
export const ZIPF_EXPONENT = 1.0;

/** A small, fast, seedable generator (mulberry32): the mix must not depend on Math.random. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws ranks 0..n-1 with Zipf probabilities (inverse CDF by binary search). */
export function zipfSampler(n: number, exponent: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) cdf[rank] = total += 1 / (rank + 1) ** exponent;
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cdf[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

function request(spec: RouteSpec, group: RequestGroup, kind: string, token: string, parts: { path?: Record<string, string>; query?: Record<string, string> } = {}): BenchRequest {
  const path = spec.path.replace(/\{(\w+)\}/g, (_, name: string) => parts.path?.[name] ?? `{${name}}`);
  return {
    kind,
    group,
    functionName: spec.tag,
    routeKey: routeKeyOf(spec),
    path,
    ...(parts.path ? { pathParameters: parts.path } : {}),
    ...(parts.query ? { query: parts.query } : {}),
    token,
  };
}

interface Choice {
  driver: BenchDriver;
  admin: string;
  random: () => number;
}

type MixEntry = { kind: string; weight: number; build: (choice: Choice) => BenchRequest };

const pickOf = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;
/** One of the most recent trips, the latest most often (squaring skews towards index 0). */
const recentOf = (tripIds: readonly string[], random: () => number): string => tripIds[Math.floor(random() ** 2 * tripIds.length)]!;
const LIST_SORTS = ['created_at', 'name', 'risk_score'] as const;

/** Weights in percent of all requests. */
export const MIX: readonly MixEntry[] = [
  { kind: 'me', weight: 12, build: ({ driver }) => request(driversApi.me, 'driver', 'me', driver.token) },
  { kind: 'trips', weight: 16, build: ({ driver }) => request(tripsApi.mine, 'driver', 'trips', driver.token) },
  {
    kind: 'trip',
    weight: 12,
    // A driver without trips opens the (empty) list instead.
    build: ({ driver, random }) =>
      driver.tripIds.length === 0
        ? request(tripsApi.mine, 'driver', 'trips', driver.token)
        : request(tripsApi.one, 'driver', 'trip', driver.token, { path: { tripId: recentOf(driver.tripIds, random) } }),
  },
  { kind: 'statistics', weight: 12, build: ({ driver }) => request(driversApi.myStatistics, 'driver', 'statistics', driver.token) },
  { kind: 'risk', weight: 12, build: ({ driver }) => request(riskApi.myCurrent, 'driver', 'risk', driver.token) },
  { kind: 'premium', weight: 12, build: ({ driver }) => request(premiumsApi.mine, 'driver', 'premium', driver.token) },
  { kind: 'events', weight: 12, build: ({ driver }) => request(eventsApi.mine, 'driver', 'events', driver.token) },
  { kind: 'dash-summary', weight: 2, build: ({ admin }) => request(dashboardApi.summary, 'dashboard', 'dash-summary', admin) },
  { kind: 'dash-activity', weight: 2, build: ({ admin }) => request(dashboardApi.tripActivity, 'dashboard', 'dash-activity', admin) },
  { kind: 'dash-risk', weight: 2, build: ({ admin }) => request(dashboardApi.riskDistribution, 'dashboard', 'dash-risk', admin) },
  { kind: 'dash-safety', weight: 2, build: ({ admin }) => request(dashboardApi.safetyEvents, 'dashboard', 'dash-safety', admin) },
  {
    kind: 'admin-list',
    weight: 4,
    build: ({ admin, random }) =>
      request(driversApi.list, 'admin', 'admin-list', admin, {
        query: { page: String(1 + Math.floor(random() * 5)), sort: pickOf(LIST_SORTS, random) },
      }),
  },
];

/** `count` requests of the mix, the same for the same population and seed. */
export function generateMix(population: Population, count: number, seed: number): BenchRequest[] {
  const random = seededRandom(seed);
  const rank = zipfSampler(population.drivers.length, ZIPF_EXPONENT, random);
  const totalWeight = MIX.reduce((sum, entry) => sum + entry.weight, 0);
  const requests: BenchRequest[] = [];
  for (let i = 0; i < count; i++) {
    let point = random() * totalWeight;
    const entry = MIX.find((candidate) => (point -= candidate.weight) < 0) ?? MIX[MIX.length - 1]!;
    requests.push(entry.build({ driver: population.drivers[rank()]!, admin: population.adminToken, random }));
  }
  return requests;
}

/** The request as an HTTP client sends it: path and query string. */
export function urlPathOf(request: BenchRequest): string {
  const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
  return `${request.path}${query}`;
}
