import { assertCanReadDriver, ownDriverId, type Principal } from '../auth/index.js';
import { driverExists } from '../db/index.js';
import { driverNotFound, NotFoundError } from '../errors/index.js';
import { driverPremiumGroup, premiumsCache } from './cache.js';
import { getCurrentPremium, getCurrentPremiums, type PremiumRow } from './queries.js';
import type { Premium } from './schemas.js';

/** Premium use cases: a driver's current premium, and cache warming after pricing. */

function toPremium(row: PremiumRow): Premium {
  return {
    driver_id: row.driver_id,
    policy_id: row.policy_id,
    computed_at: row.computed_at.toISOString(),
    final_amount: row.final_amount,
    breakdown: { base_amount: row.base_amount, risk_factor: row.risk_factor, usage_factor: row.usage_factor, details: row.details },
    risk: {
      risk_score_id: row.risk_score_id,
      score: row.score,
      model_version: row.model_version,
      scored_at: row.scored_at && row.scored_at.toISOString(),
      reasons: row.reasons,
    },
  };
}

const currentKey = (driverId: number): string => `current:${driverId}`;

export async function getPremium(principal: Principal, driverId: number): Promise<Premium> {
  assertCanReadDriver(principal, driverId);
  return premiumsCache.getOrLoad(
    currentKey(driverId),
    async () => {
      const row = await getCurrentPremium(driverId);
      if (!row && !(await driverExists(driverId))) throw driverNotFound(driverId);
      if (!row) throw new NotFoundError(`Driver ${driverId} has no premium yet`, { code: 'premium_not_found' });
      return toPremium(row);
    },
    { groups: [driverPremiumGroup(driverId)] },
  );
}

export function getMyPremium(principal: Principal): Promise<Premium> {
  return getPremium(principal, ownDriverId(principal));
}

/**
 * After a pricing run: stores the drivers' current premiums in the cache, read in one statement.
 * Callers outdate the drivers' premium groups first. Redis only, as for risk scores.
 */
export async function warmDriverPremiums(driverIds: readonly number[]): Promise<void> {
  if (driverIds.length === 0) return;
  await warmPremiums(await getCurrentPremiums(driverIds));
}

/** Stores these current premium rows (as premiumSql.current reads them, e.g. returned by the scoring write) as warmDriverPremiums does. */
export async function warmPremiums(rows: readonly PremiumRow[]): Promise<void> {
  if (rows.length === 0) return;
  await premiumsCache.warm(rows.map((row) => ({ key: currentKey(row.driver_id), value: toPremium(row), groups: [driverPremiumGroup(row.driver_id)], l1Ttl: 0 })));
}
