import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../lib/db/migrate.js';
import { DEMO_ADMIN, DEMO_DRIVER_PASSWORD, seedDatabase, startOfUtcDay } from '../../../lib/seed/index.js';
import { formatCount, formatKm, formatMoney, formatScore } from '../../../web/console/format.js';
import { databaseUrl, TEST_DATABASE_URL, testSql, withSql } from '../../helpers/db.js';
import { testCachePrefix } from '../../helpers/env.js';
import { scheduledEvent } from '../../../scripts/lib/events.js';
import { printOfflineOutputOnFailure, startOffline, type OfflineServer } from '../offline-server.js';
import { attributeOf, countOf, findChromium, launchChromium, polylinesOf, rowsOf, screenshot, textOf, watchProblems } from './browser.js';

/**
 * The console in a real browser (headless Chromium) against serverless-offline on a freshly
 * seeded database of its own: sign in as the seeded admin, read the fleet tiles (compared with
 * figures computed here from the database), open a driver and see their routes drawn, invalidate a
 * cache group, and watch the live panel count events posted through the API. Any console error,
 * uncaught exception or failed request in the page fails the test. Screenshots go to reports/console.
 */
describe('the operations console in a real browser', () => {
  const databaseName = `telematics_console_e2e_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl(databaseName);
  let sql: ReturnType<typeof testSql>;
  let offline: OfflineServer;
  printOfflineOutputOnFailure(() => offline);
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    // The console's assets are built by the global setup (test/global-setup.ts).
    const chromium = await findChromium();
    await withSql(TEST_DATABASE_URL, (admin) => admin`CREATE DATABASE ${admin(databaseName)}`);
    await migrate({ databaseUrl: url });
    // The demo dataset's generator and logins, small: a few drivers over the last three days.
    await seedDatabase({ drivers: 6, days: 3, seed: 42, end: startOfUtcDay(), sampleIntervalS: 5, databaseUrl: url });
    sql = testSql(url);
    // Offline serves the push WebSocket on a free port too and names it to the functions (PUSH_ENDPOINT).
    offline = await startOffline({
      stage: 'test',
      env: {
        DATABASE_URL: url,
        // Its own key space: this database's ids are the same as other databases' (driver 1, ...),
        // and the push connections and fleet counters are its own.
        CACHE_PREFIX: `${testCachePrefix()}-console-${randomBytes(3).toString('hex')}`,
      },
    });
    // Scores and premiums for the driver page and the risk tiles, as the hourly run would.
    const scoring = await fetch(`${offline.lambdaUrl}/2015-03-31/functions/telematics-test-score-drivers/invocations`, { method: 'POST', body: '{}' });
    const scoringResult = await scoring.text();
    if (scoring.status !== 200 || scoring.headers.get('x-amz-function-error')) throw new Error(`score-drivers failed: ${scoringResult}`);
    browser = await launchChromium(chromium);
    page = await browser.newPage();
    problems = watchProblems(page);
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await offline?.stop();
    await sql?.end({ timeout: 5 });
    await withSql(TEST_DATABASE_URL, (admin) => admin`DROP DATABASE IF EXISTS ${admin(databaseName)} WITH (FORCE)`);
  });

  const ready = (section: string) => page.waitForSelector(`[data-section="${section}"][data-state="ready"]`);
  const tile = (name: string) =>
    Promise.all([attributeOf(page, `[data-tile="${name}"]`, 'data-value'), textOf(page, `[data-tile="${name}"] .tile-value`)]).then(([value, text]) => ({ value, text }));
  const period = async () => ({ from: (await attributeOf(page, '[data-period-from]', 'data-period-from')) ?? '', to: (await attributeOf(page, '[data-period-to]', 'data-period-to')) ?? '' });

  it("refuses a driver's login: the console is for admins", async () => {
    await page.goto(`${offline.httpUrl}/console`);
    await page.type('#username', 'driver0001');
    await page.type('#password', DEMO_DRIVER_PASSWORD);
    await page.click('#sign-in');
    await page.waitForSelector('.login .problem');

    expect(await textOf(page, '.login .problem')).toBe('The console is for admins; drivers use the driver app. (admin_required)');
    expect(await countOf(page, 'nav')).toBe(0);
  });

  it('signs in as the seeded admin and shows the fleet tiles with the figures of the database', async () => {
    await page.goto(`${offline.httpUrl}/console`);
    await page.type('#username', DEMO_ADMIN.username);
    await page.type('#password', DEMO_ADMIN.password);
    await page.click('#sign-in');
    await ready('summary');
    const { from, to } = await period();
    const [expected] = await sql<{ drivers_total: number; drivers_active: number; vehicles: number; policies_active: number; trips_active: number; trips: number; drivers_driving: number; distance_km: number; events: number; avg_risk_score: number | null; scored_drivers: number }[]>`
      WITH latest AS (SELECT DISTINCT ON (driver_id) score FROM risk_scores ORDER BY driver_id, scored_at DESC)
      SELECT (SELECT count(*) FROM drivers)::int AS drivers_total,
             (SELECT count(*) FROM drivers WHERE active)::int AS drivers_active,
             (SELECT count(*) FROM vehicles)::int AS vehicles,
             (SELECT count(*) FROM policies WHERE status = 'active')::int AS policies_active,
             (SELECT count(*) FROM trips WHERE ended_at IS NULL)::int AS trips_active,
             count(t.id)::int AS trips, count(DISTINCT t.driver_id)::int AS drivers_driving,
             coalesce(sum(t.distance_km), 0)::float8 AS distance_km, coalesce(sum(t.event_count), 0)::int AS events,
             (SELECT avg(score)::float8 FROM latest) AS avg_risk_score, (SELECT count(*) FROM latest)::int AS scored_drivers
      FROM trips t WHERE t.started_at >= ${from}::text::timestamptz AND t.started_at < ${to}::text::timestamptz`;
    if (expected === undefined) throw new Error('no figures');

    expect(expected.trips).toBeGreaterThan(0);
    expect(expected.scored_drivers).toBeGreaterThan(0);
    for (const name of ['vehicles', 'policies_active', 'trips_active', 'trips', 'drivers_driving', 'events', 'scored_drivers'] as const) {
      expect(await tile(name), name).toEqual({ value: String(expected[name]), text: formatCount(expected[name]) });
    }
    expect(await tile('drivers_active')).toEqual({ value: String(expected.drivers_active), text: `${formatCount(expected.drivers_active)} of ${formatCount(expected.drivers_total)}` });
    const distance = await tile('distance_km');
    expect(Number(distance.value)).toBeCloseTo(expected.distance_km, 6);
    expect(distance.text).toBe(formatKm(expected.distance_km));
    const score = await tile('avg_risk_score');
    expect(Number(score.value)).toBeCloseTo(expected.avg_risk_score ?? Number.NaN, 6);
    expect(score.text).toBe(formatScore(expected.avg_risk_score));
  });

  it('draws trip activity and the risk distribution as charts, and lists the safety events of the period', async () => {
    await Promise.all([ready('trip-activity'), ready('risk-distribution'), ready('safety-events')]);
    const { from, to } = await period();
    const [safety] = await sql<{ events: number }[]>`
      SELECT count(*)::int AS events FROM telematics_events
      WHERE event_type IN ('harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding')
        AND ts >= ${from}::text::timestamptz AND ts < ${to}::text::timestamptz`;

    for (const chart of ['trip-activity', 'risk-distribution']) expect(await countOf(page, `[data-chart="${chart}"] canvas`), chart).toBeGreaterThan(0);
    expect(await attributeOf(page, '[data-table="safety-events"]', 'data-total')).toBe(String(safety?.events));
    expect(await rowsOf(page, '[data-table="safety-events"]')).toHaveLength(4);
    await screenshot(page, 'fleet');
  });

  it("opens a driver and draws each recent trip's route with one point per event that has coordinates", async () => {
    const [latest] = await sql<{ driver_id: number }[]>`SELECT driver_id FROM trips WHERE event_count > 0 ORDER BY started_at DESC LIMIT 1`;
    const driverId = latest?.driver_id ?? 0;
    await page.click('nav a[href="#/drivers"]');
    await ready('drivers');
    await page.click(`a[data-driver-id="${driverId}"]`);
    await Promise.all([ready('profile'), ready('risk'), ready('premium'), ready('trips')]);
    const drawn = await polylinesOf(page);
    const trips = await sql<{ id: string; points: number }[]>`
      SELECT t.id, (SELECT count(*) FROM telematics_events e WHERE e.trip_id = t.id AND e.lat IS NOT NULL AND e.lon IS NOT NULL)::int AS points
      FROM trips t WHERE t.driver_id = ${driverId} ORDER BY t.started_at DESC, t.id DESC LIMIT 5`;
    const [premium] = await sql<{ final_amount: number }[]>`SELECT final_amount::float8 AS final_amount FROM premiums WHERE driver_id = ${driverId} ORDER BY computed_at DESC LIMIT 1`;
    const [score] = await sql<{ score: number }[]>`SELECT score::float8 AS score FROM risk_scores WHERE driver_id = ${driverId} ORDER BY scored_at DESC LIMIT 1`;

    expect(trips.length).toBeGreaterThan(0);
    expect(drawn).toEqual(trips.filter((trip) => trip.points > 0).map((trip) => ({ tripId: trip.id, points: trip.points })));
    expect(await textOf(page, '[data-premium] strong')).toBe(formatMoney(premium?.final_amount ?? Number.NaN));
    expect(await textOf(page, '[data-score] strong')).toBe(formatScore(score?.score ?? null));
    expect(await countOf(page, '[data-chart="score-history"] canvas')).toBeGreaterThan(0);
    await screenshot(page, 'driver');
  });

  it('shows the cache counters and invalidates a group in every instance', async () => {
    await page.click('nav a[href="#/cache"]');
    await ready('cache-stats');
    expect((await rowsOf(page, '[data-table="cache-stats"]')).map((cells) => cells[0])).toContain('dashboard');
    await page.type('#invalidate-group', 'dashboard');
    await page.click('[data-section="invalidate"] button[type="submit"]');
    await page.waitForSelector('#invalidate-outcome .ok');

    expect(await textOf(page, '#invalidate-outcome')).toBe('Invalidated group dashboard in every instance.');
    await screenshot(page, 'cache');
  });

  it('counts events posted through the API on the live panel, and lists the trip they started', async () => {
    await page.click('nav a[href="#/live"]');
    await page.waitForSelector('[data-live-status="live"]');
    const before = Number((await tile('live_events')).value);
    const [driver] = await sql<{ driver_id: number; vehicle_id: number }[]>`SELECT u.driver_id, v.id AS vehicle_id FROM users u JOIN vehicles v ON v.driver_id = u.driver_id WHERE u.username = 'driver0001' ORDER BY v.id LIMIT 1`;
    const login = await fetch(`${offline.httpUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'driver0001', password: DEMO_DRIVER_PASSWORD }) });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const tripId = randomUUID();
    const start = Date.now() - 60_000;
    const events = Array.from({ length: 25 }, (_, i) => ({
      event_id: randomUUID(), ts: new Date(start + i * 1000).toISOString(), driver_id: driver?.driver_id, vehicle_id: driver?.vehicle_id, trip_id: tripId,
      event_type: i === 0 ? 'trip_start' : i === 24 ? 'trip_end' : 'position', lat: 52.52 + i * 0.0005, lon: 13.405 + i * 0.0005, speed_kmh: 40,
    }));
    const posted = await fetch(`${offline.httpUrl}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ events }) });
    expect(posted.status, await posted.text()).toBe(200);

    // Evaluated in the page (this file is compiled without the DOM's types).
    await page.waitForFunction(`Number(document.querySelector('[data-tile="live_events"]')?.getAttribute('data-value')) >= ${before + events.length}`);
    await page.waitForFunction(`document.querySelector('[data-table="live-trips"] tbody tr td:nth-child(4)')?.textContent?.endsWith('UTC') === true`);
    const trips = await rowsOf(page, '[data-table="live-trips"]');

    // Its own cache prefix keeps other suites' ingestion out of these fleet-wide counters.
    expect(Number((await tile('live_events')).value)).toBe(before + events.length);
    expect([(await tile('live_trips_started')).value, (await tile('live_trips_ended')).value]).toEqual(['1', '1']);
    expect(trips.map((cells) => cells.slice(0, 2))).toEqual([[tripId.slice(0, 8), String(driver?.driver_id)]]);
    expect(trips[0]?.[3]).not.toBe('on the road');
    await screenshot(page, 'live-trips');
  });

  it('shows the consumer lag per partition that a collect-metrics run pushes, as GET /metrics reports it', async () => {
    const collect = await fetch(`${offline.lambdaUrl}/2015-03-31/functions/telematics-test-collect-metrics/invocations`, { method: 'POST', body: JSON.stringify(scheduledEvent('collect-metrics')) });
    expect(collect.status, await collect.text()).toBe(200);
    await page.waitForSelector('[data-table="lag"]');
    const shown = (await rowsOf(page, '[data-table="lag"]')).map((cells) => cells.slice(0, 3));
    const token = await page.evaluate(`JSON.parse(sessionStorage.getItem('telematics-console-session')).token`);
    const metrics = await (await fetch(`${offline.httpUrl}/metrics`, { headers: { authorization: `Bearer ${String(token)}` } })).text();
    const reported = [...metrics.matchAll(/^kafka_consumer_lag_messages\{([^}]*)\} (\S+)$/gm)].map(([, labels = '', value = '']) => {
      const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
      return [label('topic'), label('partition'), formatCount(Number(value))];
    });

    expect(reported.length).toBeGreaterThan(0);
    expect(shown).toEqual(reported.sort((a, b) => a[0]!.localeCompare(b[0]!) || Number(a[1]) - Number(b[1])));
    await screenshot(page, 'live');
  });

  it('saw no console error, uncaught exception or failed request in the page', () => {
    expect(problems).toEqual([]);
  });
});
