import { assertCanReadDriver, hashPassword, ownDriverId, userGroup, type Principal } from '../auth/index.js';
import { riskBandOf, riskBandRange } from '../vocabulary/index.js';
import { invalidateGroups } from '../cache/index.js';
import { driverNotFound } from '../errors/index.js';
import { offsetPage, offsetWindow } from '../pagination/index.js';
import { resolvePeriod } from '../validation/period.js';
import { DRIVER_LIST_GROUP, driverGroup, driversCache, driverStatisticsGroup } from './cache.js';
import {
  getDriver,
  getDriverStatistics,
  insertDriver,
  listDrivers,
  updateDriver,
  type DriverDetailRow,
  type DriverStatisticsRow,
  type DriverSummaryRow,
} from './queries.js';
import type { CreateDriverBody, DriverDetail, DriverListQuery, DriverPage, DriverStatistics, DriverSummary, StatisticsQuery, UpdateDriverBody } from './schemas.js';

/**
 * Drivers use cases: access checks, cache-aside reads, writes and what they outdate. No transport
 * code: the functions take validated input and the caller's principal, return wire shapes, and
 * throw the product's errors.
 */

const STATISTICS_DEFAULT_DAYS = 30;


const iso = (value: Date): string => value.toISOString();

/** The fields every driver answer shares. */
function driverFields(row: DriverSummaryRow | DriverDetailRow) {
  return {
    id: row.id,
    license_number: row.license_number,
    name: row.name,
    email: row.email,
    active: row.active,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

function toSummary(row: DriverSummaryRow): DriverSummary {
  return { ...driverFields(row), risk_score: row.risk_score, risk_band: row.risk_score === null ? null : riskBandOf(row.risk_score) };
}

function toDetail(row: DriverDetailRow): DriverDetail {
  return {
    ...driverFields(row),
    date_of_birth: row.date_of_birth,
    licensed_since: row.licensed_since,
    username: row.username,
    vehicles: row.vehicles,
    policies: row.policies.map((p) => ({ ...p, status: p.status as DriverDetail['policies'][number]['status'] })),
  };
}

function toStatistics(driverId: number, period: { from: string; to: string }, row: DriverStatisticsRow): DriverStatistics {
  return {
    driver_id: driverId,
    from: new Date(period.from).toISOString(),
    to: new Date(period.to).toISOString(),
    ...row,
    first_trip_at: row.first_trip_at && iso(row.first_trip_at),
    last_trip_at: row.last_trip_at && iso(row.last_trip_at),
  };
}

export function listDriversPage(query: DriverListQuery): Promise<DriverPage> {
  const order = query.order ?? (query.sort === 'name' ? 'asc' : 'desc');
  const band = query.risk_band && riskBandRange(query.risk_band);
  const params = {
    ...(query.status === 'all' ? {} : { active: query.status === 'active' }),
    ...(query.name ? { namePrefix: query.name } : {}),
    ...(band ? { score: { from: band.from, to: band.to, toInclusive: band.last } } : {}),
    sort: query.sort,
    order,
    ...offsetWindow(query),
  };
  const key = `list:${JSON.stringify([query.status, query.risk_band ?? '', query.name ?? '', query.sort, order, query.page, query.page_size])}`;
  return driversCache.getOrLoad(
    key,
    async () => {
      const { items, total } = await listDrivers(params);
      return offsetPage(items.map(toSummary), total, query);
    },
    { groups: [DRIVER_LIST_GROUP] },
  );
}

export async function getDriverDetail(principal: Principal, driverId: number): Promise<DriverDetail> {
  assertCanReadDriver(principal, driverId);
  return driversCache.getOrLoad(
    `detail:${driverId}`,
    async () => {
      const row = await getDriver(driverId);
      if (!row) throw driverNotFound(driverId);
      return toDetail(row);
    },
    { groups: [driverGroup(driverId)] },
  );
}

export function getMyDriver(principal: Principal): Promise<DriverDetail> {
  return getDriverDetail(principal, ownDriverId(principal));
}

export async function getStatistics(principal: Principal, driverId: number, query: StatisticsQuery): Promise<DriverStatistics> {
  assertCanReadDriver(principal, driverId);
  const period = resolvePeriod(query, { defaultDays: STATISTICS_DEFAULT_DAYS });
  return driversCache.getOrLoad(
    `statistics:${driverId}:${period.from}:${period.to}`,
    async () => {
      // Statistics of a driver that does not exist are a 404, not zeros; the detail is usually cached.
      await getDriverDetail(principal, driverId);
      return toStatistics(driverId, period, await getDriverStatistics({ driverId, ...period }));
    },
    { groups: [driverStatisticsGroup(driverId)] },
  );
}

export function getMyStatistics(principal: Principal, query: StatisticsQuery): Promise<DriverStatistics> {
  return getStatistics(principal, ownDriverId(principal), query);
}

/** Loads a driver's detail from the database, bypassing the cache (just after a write). */
async function freshDetail(driverId: number): Promise<DriverDetail> {
  const row = await getDriver(driverId);
  if (!row) throw driverNotFound(driverId);
  return toDetail(row);
}

export async function createDriver(body: CreateDriverBody): Promise<DriverDetail> {
  const { login, ...driver } = body;
  const driverId = await insertDriver(
    driver,
    login && { username: login.username, passwordHash: await hashPassword(login.password) },
  );
  // The dashboard's counts follow within its one-minute TTL (domains do not reach into each other's caches).
  await invalidateGroups(DRIVER_LIST_GROUP);
  return freshDetail(driverId);
}

export async function changeDriver(driverId: number, changes: UpdateDriverBody): Promise<DriverDetail> {
  const updated = await updateDriver(driverId, changes);
  if (!updated) throw driverNotFound(driverId);
  // A deactivation ends the driver's sessions at once: the account check of every instance reloads.
  await invalidateGroups(driverGroup(driverId), DRIVER_LIST_GROUP, ...updated.user_ids.map(userGroup));
  return freshDetail(driverId);
}

export async function deactivateDriver(driverId: number): Promise<void> {
  await changeDriver(driverId, { active: false });
}
