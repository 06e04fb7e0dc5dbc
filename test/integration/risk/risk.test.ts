import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/risk/handler.js';
import { isUserActive, type Principal } from '../../../lib/auth/index.js';
import { invalidateGroups } from '../../../lib/cache/index.js';
import { driverRiskGroup, riskApi, riskCache, warmDriverRisk, type RiskHistoryPage, type RiskScore } from '../../../lib/risk/index.js';
import { callRoute } from '../../helpers/api.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { countStatements, createLogin, insertRiskScore, removeLogins } from '../../helpers/fixtures.js';

/** Risk scores through the risk function in-process, against the real PostgreSQL and Redis. */
describe('risk', () => {
  const sql = testSql();
  let scored: TestDriver;
  let unscored: TestDriver;
  let login: Principal;
  let admin: Principal;
  const scoreIds: number[] = [];

  beforeAll(async () => {
    [scored, unscored] = await Promise.all([createTestDriver(sql), createTestDriver(sql)]);
    [login, admin] = await Promise.all([createLogin(sql, 'driver', scored.driverId), createLogin(sql, 'admin')]);
    for (const [i, score] of [20, 35, 72].entries()) scoreIds.push(await insertRiskScore(sql, scored.driverId, score, `2030-01-0${i + 1}T00:00:00Z`));
  });

  afterAll(async () => {
    await removeLogins(sql, [login, admin]);
    await Promise.all([scored.remove(), unscored.remove()]);
    await sql.end({ timeout: 5 });
  });

  it('answers the latest score with its band and reasons', async () => {
    const answer = await callRoute<RiskScore>(handler, riskApi.myCurrent, { as: login });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ driver_id: scored.driverId, score: 72, risk_band: 'high', model_version: 'test-model', scored_at: '2030-01-03T00:00:00.000Z' });
    expect(answer.body.reasons.map((r) => r.feature)).toEqual(['harsh_braking_per_100km']);
  });

  it('answers 404 risk_score_not_found for a driver never scored', async () => {
    const answer = await callRoute<{ error: { code: string } }>(handler, riskApi.current, { as: admin, path: { driverId: unscored.driverId } });

    expect([answer.status, answer.body.error.code]).toEqual([404, 'risk_score_not_found']);
  });

  it('pages the history newest first', async () => {
    const first = await callRoute<RiskHistoryPage>(handler, riskApi.myHistory, { as: login, query: { limit: '2' } });
    const second = await callRoute<RiskHistoryPage>(handler, riskApi.myHistory, { as: login, query: { limit: '2', cursor: first.body.next_cursor ?? '' } });

    expect(first.body.items.map((s) => s.id)).toEqual([scoreIds[2], scoreIds[1]]);
    expect(second.body.items.map((s) => s.id)).toEqual([scoreIds[0]]);
    expect(second.body.next_cursor).toBeNull();
  });

  it('after a new score, warming serves it to the next read without a query', async () => {
    await callRoute(handler, riskApi.myCurrent, { as: login });
    const newest = await insertRiskScore(sql, scored.driverId, 55, '2030-02-01T00:00:00Z');
    await invalidateGroups(driverRiskGroup(scored.driverId));
    await warmDriverRisk([scored.driverId]);
    riskCache.clearL1();

    await isUserActive(login.userId);
    const read = await countStatements(() => callRoute<RiskScore>(handler, riskApi.myCurrent, { as: login }));

    expect(read.result.body).toMatchObject({ score: 55, risk_band: 'medium' });
    expect(read.statements).toEqual([]);
    await sql`DELETE FROM risk_scores WHERE id = ${newest}`;
  });
});
