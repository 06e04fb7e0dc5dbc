import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as driversFunction } from '../../../functions/drivers/handler.js';
import { handler as eventsFunction } from '../../../functions/events/handler.js';
import { handler as premiumsFunction } from '../../../functions/premiums/handler.js';
import { handler as riskFunction } from '../../../functions/risk/handler.js';
import { handler as tripsFunction } from '../../../functions/trips/handler.js';
import { issueToken } from '../../../lib/auth/index.js';
import { closeDb } from '../../../lib/db/index.js';
import { API_ROUTES } from '../../../lib/openapi/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { testSql } from '../../helpers/db.js';
import { declaredHttpRoutes } from '../../helpers/serverless-routes.js';
import { inProcessTransport } from './api.js';
import { createFixture, type Fixture } from './fixture.js';
import { describeCase, matrixCases, runMatrix, sampleFor, type Tokens } from './matrix.js';

/**
 * The authorization matrix must be able to fail. This file runs it against a deliberately weakened
 * build, in which the ownership check `assertCanReadDriver` does nothing (mocked below for this
 * file only), with the real function handlers called in-process on the real database and Redis.
 * The matrix must then flag exactly the cross-driver cases of every route that names a driver's
 * data, and nothing else.
 */

vi.mock('../../../lib/auth/principal.js', async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  assertCanReadDriver: () => undefined,
}));

const FUNCTIONS = { drivers: driversFunction, trips: tripsFunction, events: eventsFunction, risk: riskFunction, premiums: premiumsFunction };
// The reads that name a driver's data, which assertCanReadDriver guards (POST /api/v1/events has an
// ownership check of its own in lib/ingest/http.ts, which this mock leaves in place).
const OWNED_ROUTES = API_ROUTES.filter((spec) => sampleFor(spec).owned && spec.method === 'GET');

describe('the authorization matrix against a build without the ownership check', () => {
  const sql = testSql();
  let fixture: Fixture;
  let tokens: Tokens;

  beforeAll(async () => {
    fixture = await createFixture(sql);
    const users = await sql<{ username: string; id: number }[]>`SELECT username, id FROM users WHERE username IN (${fixture.a.username}, ${fixture.b.username})`;
    const idOf = (username: string) => users.find((u) => u.username === username)!.id;
    const token = async (userId: number, driverId: number | null) => (await issueToken({ userId, role: driverId === null ? 'admin' : 'driver', driverId })).token;
    tokens = {
      driverA: await token(idOf(fixture.a.username), fixture.a.driverId),
      driverB: await token(idOf(fixture.b.username), fixture.b.driverId),
      admin: await token(1, null),
      deactivated: 'unused',
    };
  });

  afterAll(async () => {
    await fixture?.remove();
    await sql.end({ timeout: 5 });
    await closeDb();
    await closeRedis();
  });

  it('flags every route that names a driver, for each driver reading the other’s data, and nothing else', async () => {
    const functionOf = new Map(declaredHttpRoutes().map((route) => [route.routeKey, route.functionName]));
    const transport = inProcessTransport((routeKey) => {
      const handler = FUNCTIONS[functionOf.get(routeKey) as keyof typeof FUNCTIONS];
      if (!handler) throw new Error(`no in-process handler for ${routeKey}`);
      return handler;
    });
    const cases = matrixCases(fixture, tokens, OWNED_ROUTES).filter((c) => c.actor === 'driverA' || c.actor === 'driverB');

    const violations = await runMatrix(transport, fixture, cases);
    const flagged = [...new Set(violations.map((v) => v.name))].sort();
    const crossDriver = cases.filter((c) => (c.actor === 'driverA') === (c.subject === 'B')).map((c) => describeCase(c));

    expect(OWNED_ROUTES.length).toBeGreaterThanOrEqual(8);
    expect(flagged).toEqual([...new Set(crossDriver)].sort());
    // Each flagged case is flagged for the status and for the data it leaked.
    for (const name of crossDriver) {
      const problems = violations.filter((v) => v.name === name);
      expect(problems.map((p) => p.problem).join('\n'), name).toMatch(/expected 403, got 200/);
      expect(problems.map((p) => p.problem).join('\n'), name).toMatch(/the other driver's data/);
    }
  });
});
