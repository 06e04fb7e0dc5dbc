import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/premiums/handler.js';
import { isUserActive, type Principal } from '../../../lib/auth/index.js';
import { premiumsApi, premiumsCache, warmDriverPremiums, type Premium } from '../../../lib/premiums/index.js';
import { callRoute } from '../../helpers/api.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { countStatements, createLogin, insertPremium, insertRiskScore, removeLogins } from '../../helpers/fixtures.js';

/** Premiums through the premiums function in-process, against the real PostgreSQL and Redis. */
describe('premiums', () => {
  const sql = testSql();
  let priced: TestDriver;
  let unpriced: TestDriver;
  let pricedLogin: Principal;
  let unpricedLogin: Principal;
  let scoreId = 0;

  beforeAll(async () => {
    [priced, unpriced] = await Promise.all([createTestDriver(sql), createTestDriver(sql)]);
    [pricedLogin, unpricedLogin] = await Promise.all([createLogin(sql, 'driver', priced.driverId), createLogin(sql, 'driver', unpriced.driverId)]);
    scoreId = await insertRiskScore(sql, priced.driverId, 62.5, '2030-01-01T00:00:00Z');
    await insertPremium(sql, priced.driverId, scoreId, '2030-01-01T00:05:00Z', { base: 100, risk: 1.1, usage: 0.9, final: 99 });
  });

  afterAll(async () => {
    await removeLogins(sql, [pricedLogin, unpricedLogin]);
    await Promise.all([priced.remove(), unpriced.remove()]);
    await sql.end({ timeout: 5 });
  });

  it('answers the current premium with its breakdown and the reasons of the score behind it', async () => {
    const answer = await callRoute<Premium>(handler, premiumsApi.mine, { as: pricedLogin });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      driver_id: priced.driverId,
      final_amount: 99,
      breakdown: { base_amount: 100, risk_factor: 1.1, usage_factor: 0.9, details: { distance_km: 800 } },
      risk: { risk_score_id: scoreId, score: 62.5, model_version: 'test-model', scored_at: '2030-01-01T00:00:00.000Z' },
    });
    expect(answer.body.risk.reasons).toHaveLength(1);
  });

  it('answers 404 premium_not_found before the first pricing, and 403 for another driver', async () => {
    const none = await callRoute<{ error: { code: string } }>(handler, premiumsApi.mine, { as: unpricedLogin });
    const other = await callRoute(handler, premiumsApi.current, { as: unpricedLogin, path: { driverId: priced.driverId } });

    expect([none.status, none.body.error.code]).toEqual([404, 'premium_not_found']);
    expect(other.status).toBe(403);
  });

  it('warming stores the current premium so the next read needs no query', async () => {
    await premiumsCache.delete(`current:${priced.driverId}`);
    await warmDriverPremiums([priced.driverId]);
    premiumsCache.clearL1();

    await isUserActive(pricedLogin.userId);
    const read = await countStatements(() => callRoute<Premium>(handler, premiumsApi.mine, { as: pricedLogin }));

    expect(read.result.body.final_amount).toBe(99);
    expect(read.statements).toEqual([]);
  });
});
