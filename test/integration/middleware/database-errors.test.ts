import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { closeDb, getDb, timedQuery } from '../../../lib/db/index.js';
import { httpHandler } from '../../../lib/middleware/index.js';
import { bodyOf, httpEvent, jsonEvent, lambdaContext } from '../../helpers/lambda.js';
import { testSql } from '../../helpers/db.js';

/**
 * PostgreSQL errors provoked for real through httpHandler routes that pass their input to the
 * database unchecked, as a route with a gap in its validation would: each must reach the client
 * as the 4xx or 503 it is, never as a 500.
 */

interface Problem {
  error: { code: string; message: string; correlation_id: string };
}

const suffix = randomBytes(4).toString('hex').toUpperCase();
const license = (label: string) => `DBERR-${suffix}-${label}`;
const arrange = testSql();
let driverId: number;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

const createDriver = httpHandler(
  {
    route: 'POST /it/drivers',
    auth: 'public',
    schemas: {
      body: z.object({ license_number: z.string(), name: z.string().nullable(), email: z.string(), date_of_birth: z.string(), licensed_since: z.string() }),
    },
  },
  async ({ body }) => {
    // Dates go as text cast in SQL: a parameter typed date would pass through a JavaScript Date,
    // which rolls 1990-02-30 over to March instead of refusing it.
    const [row] = await timedQuery('it.drivers.insert', (sql) => sql<Array<{ id: number }>>`
      INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
      VALUES (${body.license_number}, ${body.name}, ${body.email}, ${body.date_of_birth}::text::date, ${body.licensed_since}::text::date)
      RETURNING id
    `);
    return row;
  },
);

const createVehicle = httpHandler(
  { route: 'POST /it/vehicles', auth: 'public', schemas: { body: z.object({ driver_id: z.number(), year: z.number() }) } },
  async ({ body }) => {
    const vin = randomBytes(16).toString('hex').toUpperCase().replace(/[^A-HJ-NPR-Z0-9]/g, '7').slice(0, 17);
    await timedQuery('it.vehicles.insert', (sql) => sql`
      INSERT INTO vehicles (driver_id, vin, make, model, year) VALUES (${body.driver_id}, ${vin}, 'Test', 'Car', ${body.year})
    `);
    return { vin };
  },
);

function driverBody(overrides: Record<string, unknown> = {}) {
  return { license_number: license('X'), name: 'Db Error Test', email: `dberr-${suffix}-x@example.com`, date_of_birth: '1990-01-01', licensed_since: '2010-01-01', ...overrides };
}

beforeAll(async () => {
  const [row] = await arrange<Array<{ id: number }>>`
    INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
    VALUES (${license('A')}, 'Db Error A', ${`dberr-${suffix}-a@example.com`}, '1990-01-01', '2010-01-01')
    RETURNING id
  `;
  driverId = row!.id;
});

afterAll(async () => {
  await arrange`DELETE FROM vehicles WHERE driver_id IN (SELECT id FROM drivers WHERE license_number LIKE ${`DBERR-${suffix}-%`})`;
  await arrange`DELETE FROM drivers WHERE license_number LIKE ${`DBERR-${suffix}-%`}`;
  await arrange.end({ timeout: 5 });
  await closeDb();
});

beforeEach(() => {
  // The rejections are logged at WARN; keep the test output to the results.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return () => vi.restoreAllMocks();
});

describe('database errors caused by the input', () => {
  it('answers 409 naming the column when a unique value is taken', async () => {
    const result = await createDriver(jsonEvent(driverBody({ license_number: license('A') })), lambdaContext());

    expect(result.statusCode).toBe(409);
    expect(bodyOf<Problem>(result).error).toMatchObject({ code: 'conflict', message: 'A record with this license_number already exists' });
  });

  it('answers 409 naming the index when a unique expression (lower(email)) is taken, without the SQL', async () => {
    const result = await createDriver(jsonEvent(driverBody({ email: `DBERR-${suffix}-A@EXAMPLE.COM` })), lambdaContext());

    expect(result.statusCode).toBe(409);
    expect(bodyOf<Problem>(result).error.message).toBe('A record with the same values already exists (drivers_email_key)');
    expect(result.body).not.toMatch(/lower\(|INSERT|example\.com/i);
  });

  it('answers 400 naming the CHECK constraint a value breaks', async () => {
    const result = await createDriver(jsonEvent(driverBody({ license_number: license('B'), name: '   ' })), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(bodyOf<Problem>(result).error).toMatchObject({ code: 'validation_failed', message: 'A value breaks the rule drivers_name_check' });
  });

  it('answers 400 naming the column of a missing required value', async () => {
    const result = await createDriver(jsonEvent(driverBody({ license_number: license('C'), name: null })), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(bodyOf<Problem>(result).error.message).toBe('name is required');
  });

  it('answers 400 for a reference to a record that does not exist', async () => {
    const result = await createVehicle(jsonEvent({ driver_id: 2_000_000_000, year: 2020 }), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(bodyOf<Problem>(result).error.message).toBe('driver_id refers to a record that does not exist');
  });

  it('answers 400 for values the column type cannot take (an impossible date, a number out of range)', async () => {
    const badDate = await createDriver(jsonEvent(driverBody({ license_number: license('D'), date_of_birth: '1990-02-30' })), lambdaContext());
    const bigYear = await createVehicle(jsonEvent({ driver_id: driverId, year: 99_999 }), lambdaContext());

    expect([badDate.statusCode, bigYear.statusCode]).toEqual([400, 400]);
    expect(bodyOf<Problem>(badDate).error.message).toBe('Invalid input: a date or time is out of range');
    expect(bodyOf<Problem>(bigYear).error.message).toBe('Invalid input: a number is out of range');
  });

  it('stores valid input as before: the mapping only concerns failures', async () => {
    const result = await createDriver(jsonEvent(driverBody({ license_number: license('E'), email: `dberr-${suffix}-e@example.com` })), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(bodyOf<{ id: number }>(result).id).toBeGreaterThan(0);
  });
});

describe('transient database errors', () => {
  it('answers 503 with Retry-After when a repeatable-read transaction loses to a concurrent update (40001)', async () => {
    const read = deferred();
    const otherCommitted = deferred();
    const rename = httpHandler({ route: 'POST /it/rename', auth: 'public' }, () =>
      getDb().begin('ISOLATION LEVEL REPEATABLE READ', async (tx) => {
        await tx`SELECT name FROM drivers WHERE id = ${driverId}`;
        read.resolve();
        await otherCommitted.promise;
        await tx`UPDATE drivers SET name = 'Renamed by the route' WHERE id = ${driverId}`;
      }),
    );

    const pending = rename(httpEvent({ method: 'POST' }), lambdaContext());
    await read.promise;
    await arrange`UPDATE drivers SET name = 'Renamed concurrently' WHERE id = ${driverId}`;
    otherCommitted.resolve();
    const result = await pending;

    expect(result.statusCode).toBe(503);
    expect(result.headers?.['retry-after']).toBe('1');
    expect(bodyOf<Problem>(result).error.code).toBe('unavailable');
  });

  it('answers 503 when the database picks the request as a deadlock victim (40P01)', async () => {
    const [other] = await arrange<Array<{ id: number }>>`
      INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
      VALUES (${license('F')}, 'Db Error F', ${`dberr-${suffix}-f@example.com`}, '1990-01-01', '2010-01-01')
      RETURNING id
    `;
    const firstLocked = deferred();
    const secondLockedByTest = deferred();
    const lockBoth = httpHandler({ route: 'POST /it/lock-both', auth: 'public' }, () =>
      getDb().begin(async (tx) => {
        await tx`SELECT id FROM drivers WHERE id = ${driverId} FOR UPDATE`;
        firstLocked.resolve();
        await secondLockedByTest.promise;
        await tx`SELECT id FROM drivers WHERE id = ${other!.id} FOR UPDATE`;
      }),
    );

    const pending = lockBoth(httpEvent({ method: 'POST' }), lambdaContext());
    await firstLocked.promise;
    const testSide = arrange.begin(async (tx) => {
      const [self] = await tx<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
      await tx`SELECT id FROM drivers WHERE id = ${other!.id} FOR UPDATE`;
      secondLockedByTest.resolve();
      // Close the cycle only once the route waits for our row: the first waiter runs the deadlock
      // check first, so the route's transaction is the one PostgreSQL cancels.
      for (;;) {
        const [blocked] = await arrange<Array<{ n: number }>>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${self!.pid} = ANY(pg_blocking_pids(pid))`;
        if (blocked!.n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await tx`SELECT id FROM drivers WHERE id = ${driverId} FOR UPDATE`;
    });
    const [result] = await Promise.all([pending, testSide]);

    expect(result.statusCode).toBe(503);
    expect(bodyOf<Problem>(result).error.code).toBe('unavailable');
  });

  it('answers 503 when a statement runs into the statement timeout (57014)', async () => {
    const slow = httpHandler({ route: 'GET /it/slow', auth: 'public' }, () =>
      getDb().begin(async (tx) => {
        await tx`SET LOCAL statement_timeout = 50`;
        await tx`SELECT pg_sleep(5)`;
      }),
    );

    const result = await slow(httpEvent(), lambdaContext());

    expect(result.statusCode).toBe(503);
    expect(result.body).not.toMatch(/pg_sleep|statement/);
  });
});
