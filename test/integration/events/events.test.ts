import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/events/handler.js';
import type { Principal } from '../../../lib/auth/index.js';
import { eventsApi, type EventPage } from '../../../lib/events/index.js';
import { callRoute } from '../../helpers/api.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { createLogin, insertTrip, insertTripEvents, removeLogins } from '../../helpers/fixtures.js';

interface Problem {
  error: { code: string; fields?: { field: string }[] };
}

/** A driver's events through the events function in-process, against the real PostgreSQL and Redis. */
describe('events', () => {
  const sql = testSql();
  let driver: TestDriver;
  let login: Principal;
  let positions: string[] = [];
  let braking: string[] = [];
  const start = new Date(Date.now() - 2 * 86_400_000).toISOString();

  beforeAll(async () => {
    driver = await createTestDriver(sql);
    login = await createLogin(sql, 'driver', driver.driverId);
    const trip = await insertTrip(sql, driver, { startedAt: start });
    positions = await insertTripEvents(sql, driver, trip, start, 25);
    braking = await insertTripEvents(sql, driver, trip, new Date(Date.parse(start) + 100_000).toISOString(), 3, 'harsh_braking');
  });

  afterAll(async () => {
    await removeLogins(sql, [login]);
    await driver.remove();
    await sql.end({ timeout: 5 });
  });

  const mine = (query: Record<string, string>) => callRoute<EventPage & Problem>(handler, eventsApi.mine, { as: login, query });

  it('walks a period newest first, every event exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: EventPage } = await mine({ limit: '10', ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((event) => event.event_id));
      cursor = page.body.next_cursor;
    } while (cursor);

    expect(seen).toEqual([...braking].reverse().concat([...positions].reverse()));
  });

  it('filters by type and by period', async () => {
    const onlyBraking = await mine({ types: 'harsh_braking' });
    const firstTenSeconds = await mine({ from: start, to: new Date(Date.parse(start) + 10_000).toISOString() });

    expect(onlyBraking.body.items.map((event) => event.event_id)).toEqual([...braking].reverse());
    expect(firstTenSeconds.body.items.map((event) => event.event_id)).toEqual(positions.slice(0, 10).reverse());
  });

  it('refuses a cursor of another filter, an edited cursor, an unknown type and an impossible date, naming the parameter', async () => {
    const first = await mine({ limit: '5' });
    const cursor = first.body.next_cursor ?? '';
    const foreign = await mine({ limit: '5', types: 'position', cursor });
    const edited = await mine({ limit: '5', cursor: `${cursor.slice(0, -2)}AA` });
    const badType = await mine({ types: 'position,teleport' });
    const badDate = await mine({ from: '1990-02-30T00:00:00Z' });

    for (const answer of [foreign, edited, badType, badDate]) expect(answer.status).toBe(400);
    expect(foreign.body.error.fields?.[0]?.field).toBe('query.cursor');
    expect(edited.body.error.fields?.[0]?.field).toBe('query.cursor');
    expect(badType.body.error.fields?.[0]?.field).toBe('query.types');
    expect(badDate.body.error.fields?.[0]?.field).toBe('query.from');
  });
});
