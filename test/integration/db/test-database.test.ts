import { afterAll, describe, expect, it } from 'vitest';
import { closeDb, getDb } from '../../../lib/db/index.js';
import { TEST_DATABASE_URL } from '../../helpers/db.js';
import { testDatabaseUrl } from '../../helpers/env.js';

describe('the test database', () => {
  afterAll(() => closeDb());

  it('is what the product code of a test connects to, and is never the development database', async () => {
    const [row] = await getDb()<{ database: string }[]>`SELECT current_database() AS database`;

    // telematics_test unless TEST_DATABASE_URL names another (each engineer's own, on a shared server).
    expect(row?.database).toBe(new URL(TEST_DATABASE_URL).pathname.slice(1));
    expect(row?.database).not.toBe('telematics');
    expect(process.env.DATABASE_URL).toBe(TEST_DATABASE_URL);
  });

  it('is TEST_DATABASE_URL when it is set, whatever DATABASE_URL says', () => {
    const url = testDatabaseUrl({ TEST_DATABASE_URL: 'postgres://ci:secret@db.ci:6543/ci_tests', DATABASE_URL: 'postgres://dev@db.dev/telematics' });

    expect(url).toBe('postgres://ci:secret@db.ci:6543/ci_tests');
  });

  it("is telematics_test on DATABASE_URL's server, with its credentials and options, when only DATABASE_URL is set", () => {
    const url = testDatabaseUrl({ DATABASE_URL: 'postgres://dev:p%40ss@pg.example.com:6432/telematics?sslmode=require' });

    expect(url).toBe('postgres://dev:p%40ss@pg.example.com:6432/telematics_test?sslmode=require');
  });

  it('is the local services\' telematics_test when neither variable is set (empty counts as unset)', () => {
    expect(testDatabaseUrl({})).toBe('postgres://telematics:telematics@127.0.0.1:5432/telematics_test');
    expect(testDatabaseUrl({ TEST_DATABASE_URL: '', DATABASE_URL: ' ' })).toBe('postgres://telematics:telematics@127.0.0.1:5432/telematics_test');
  });

  it('refuses a DATABASE_URL that is not a URL instead of guessing', () => {
    expect(() => testDatabaseUrl({ DATABASE_URL: 'telematics' })).toThrow(/DATABASE_URL is not a URL; set TEST_DATABASE_URL/);
  });
});
