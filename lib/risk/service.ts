import { assertCanReadDriver, ownDriverId, type Principal } from '../auth/index.js';
import { riskBandOf } from '../vocabulary/index.js';
import { driverExists } from '../db/index.js';
import { driverNotFound, NotFoundError } from '../errors/index.js';
import { cursorPage, decodeCursor, queryFingerprint } from '../pagination/index.js';
import { driverRiskGroup, riskCache } from './cache.js';
import { getCurrentRiskScore, getCurrentRiskScores, listRiskHistory, riskScoreKey, riskScoreKeyOf, type RiskHistoryRow, type RiskScoreRow } from './queries.js';
import type { RiskHistoryPage, RiskHistoryQuery, RiskScore } from './schemas.js';

/** Risk use cases: a driver's current score and history, and cache warming after scoring. */

const HISTORY_ROUTE = 'risk.history';

function toScore(row: RiskScoreRow): RiskScore {
  return {
    driver_id: row.driver_id,
    score: row.score,
    risk_band: riskBandOf(row.score),
    scored_at: row.scored_at.toISOString(),
    model_version: row.model_version,
    reasons: row.reasons,
    features: row.features,
  };
}

const currentKey = (driverId: number): string => `current:${driverId}`;

export async function getRiskScore(principal: Principal, driverId: number): Promise<RiskScore> {
  assertCanReadDriver(principal, driverId);
  return riskCache.getOrLoad(
    currentKey(driverId),
    async () => {
      const row = await getCurrentRiskScore(driverId);
      if (!row && !(await driverExists(driverId))) throw driverNotFound(driverId);
      if (!row) throw new NotFoundError(`Driver ${driverId} has no risk score yet`, { code: 'risk_score_not_found' });
      return toScore(row);
    },
    { groups: [driverRiskGroup(driverId)] },
  );
}

export function getMyRiskScore(principal: Principal): Promise<RiskScore> {
  return getRiskScore(principal, ownDriverId(principal));
}

export async function getRiskHistory(principal: Principal, driverId: number, query: RiskHistoryQuery): Promise<RiskHistoryPage> {
  assertCanReadDriver(principal, driverId);
  const fingerprint = queryFingerprint(HISTORY_ROUTE, { driverId });
  const after = decodeCursor(query.cursor, fingerprint, riskScoreKey);
  return riskCache.getOrLoad(
    `history:${driverId}:${query.limit}:${query.cursor ?? ''}`,
    async () => {
      const rows = await listRiskHistory({ driverId, limit: query.limit + 1, ...(after ? { after } : {}) });
      if (rows.length === 0 && !after && !(await driverExists(driverId))) throw driverNotFound(driverId);
      return historyPage(rows, query.limit, fingerprint);
    },
    { groups: [driverRiskGroup(driverId)] },
  );
}

function historyPage(rows: RiskHistoryRow[], limit: number, fingerprint: string): RiskHistoryPage {
  const page = cursorPage(rows, limit, fingerprint, riskScoreKeyOf);
  return {
    ...page,
    items: page.items.map((row) => {
      const { features: _features, ...score } = toScore(row);
      return { id: row.id, ...score };
    }),
  };
}

export function getMyRiskHistory(principal: Principal, query: RiskHistoryQuery): Promise<RiskHistoryPage> {
  return getRiskHistory(principal, ownDriverId(principal), query);
}

/**
 * After a scoring run: stores the drivers' current scores in the cache (every instance's next read
 * is a hit), reading them in one statement. Callers outdate the drivers' risk groups first, so
 * history pages are reloaded on their next read. Redis only: the scoring instance serves no reads,
 * so its own L1 would only spend memory and a parse per entry.
 */
export async function warmDriverRisk(driverIds: readonly number[]): Promise<void> {
  if (driverIds.length === 0) return;
  await warmRiskScores(await getCurrentRiskScores(driverIds));
}

/** Stores these current score rows (as riskSql.current reads them, e.g. returned by the scoring write) as warmDriverRisk does. */
export async function warmRiskScores(rows: readonly RiskScoreRow[]): Promise<void> {
  if (rows.length === 0) return;
  await riskCache.warm(rows.map((row) => ({ key: currentKey(row.driver_id), value: toScore(row), groups: [driverRiskGroup(row.driver_id)], l1Ttl: 0 })));
}
