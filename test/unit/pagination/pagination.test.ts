import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../../lib/errors/index.js';
import {
  cursorPage,
  cursorPaginationQuery,
  decodeCursor,
  encodeCursor,
  offsetPage,
  offsetPaginationQuery,
  offsetWindow,
  queryFingerprint,
  timestampUuidKey,
} from '../../../lib/pagination/index.js';
import { parseInput } from '../../../lib/validation/index.js';

const key = ['2030-01-02T03:04:05.123456Z', '3f2b8c1e-8d4a-4c6b-9a51-0d2e7f6a9b10'] as const;
const fingerprint = queryFingerprint('GET /api/v1/drivers/{driverId}/events', { driverId: 42, from: '2030-01-01' });

function cursorFieldError(run: () => unknown): { field: string; message: string } | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).fields[0];
  }
  throw new Error('expected a ValidationError');
}

describe('offset pagination', () => {
  it('defaults to page 1 of 20', () => {
    expect(parseInput(offsetPaginationQuery, {}, 'query')).toEqual({ page: 1, page_size: 20 });
  });

  it('refuses a page size outside 1-100 and a page below 1, naming each parameter', () => {
    expect(() => parseInput(offsetPaginationQuery, { page: '0', page_size: '101' }, 'query')).toThrow(
      'query.page: must be an integer between 1 and 10000; query.page_size: must be an integer between 1 and 100',
    );
  });

  it('turns a page into LIMIT and OFFSET', () => {
    expect(offsetWindow({ page: 3, page_size: 25 })).toEqual({ limit: 25, offset: 50 });
  });

  it('describes a middle page', () => {
    expect(offsetPage(['x'], 45, { page: 2, page_size: 20 })).toEqual({
      items: ['x'],
      total: 45,
      page: 2,
      page_size: 20,
      total_pages: 3,
      has_next: true,
      has_previous: true,
    });
  });

  it('describes the last page and an empty result', () => {
    expect(offsetPage([], 40, { page: 2, page_size: 20 })).toMatchObject({ total_pages: 2, has_next: false, has_previous: true });
    expect(offsetPage([], 0, { page: 1, page_size: 20 })).toMatchObject({ total_pages: 0, has_next: false, has_previous: false });
  });
});

describe('cursor pagination', () => {
  it('defaults to 20 rows and refuses a limit outside 1-100', () => {
    expect(parseInput(cursorPaginationQuery, {}, 'query')).toEqual({ limit: 20 });
    expect(() => parseInput(cursorPaginationQuery, { limit: '500' }, 'query')).toThrow('query.limit: must be an integer between 1 and 100');
  });

  it('round-trips a key through an opaque cursor', () => {
    const cursor = encodeCursor(key, fingerprint);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, fingerprint, timestampUuidKey)).toEqual(key);
  });

  it('reads no cursor as the first page', () => {
    expect(decodeCursor(undefined, fingerprint, timestampUuidKey)).toBeUndefined();
  });

  it('refuses a cursor whose payload was altered', () => {
    const [payload, signature] = encodeCursor(key, fingerprint).split('.');
    const altered = Buffer.from(JSON.stringify({ k: ['2099-01-01T00:00:00.000000Z', key[1]], q: fingerprint })).toString('base64url');

    expect(cursorFieldError(() => decodeCursor(`${altered}.${signature}`, fingerprint, timestampUuidKey))).toEqual({
      field: 'query.cursor',
      message: 'is invalid or has been altered',
    });
    expect(payload).not.toBe(altered);
  });

  it('refuses a cursor whose signature was altered', () => {
    const cursor = encodeCursor(key, fingerprint);
    const flipped = cursor.slice(0, -1) + (cursor.endsWith('A') ? 'B' : 'A');

    expect(cursorFieldError(() => decodeCursor(flipped, fingerprint, timestampUuidKey))?.field).toBe('query.cursor');
  });

  it('refuses a cursor of another query', () => {
    const otherDriver = queryFingerprint('GET /api/v1/drivers/{driverId}/events', { driverId: 43, from: '2030-01-01' });
    const cursor = encodeCursor(key, otherDriver);

    expect(cursorFieldError(() => decodeCursor(cursor, fingerprint, timestampUuidKey))).toEqual({
      field: 'query.cursor',
      message: 'belongs to a different query; repeat the request without a cursor',
    });
  });

  it('refuses junk', () => {
    for (const junk of ['x', 'a.b', `${'a'.repeat(2000)}.${'b'.repeat(22)}`, '.', 'eyJ9.AAAAAAAAAAAAAAAAAAAAAA']) {
      expect(cursorFieldError(() => decodeCursor(junk, fingerprint, timestampUuidKey))?.field).toBe('query.cursor');
    }
  });

  it('refuses a signed cursor whose key no longer fits the query', () => {
    const cursor = encodeCursor([17], fingerprint);

    expect(cursorFieldError(() => decodeCursor(cursor, fingerprint, timestampUuidKey))?.message).toMatch(/expired/);
  });

  it('fingerprints filters independently of their order, and differently per route or value', () => {
    const a = queryFingerprint('GET /x', { driverId: 1, type: 'speeding' });

    expect(queryFingerprint('GET /x', { type: 'speeding', driverId: 1 })).toBe(a);
    expect(queryFingerprint('GET /y', { driverId: 1, type: 'speeding' })).not.toBe(a);
    expect(queryFingerprint('GET /x', { driverId: 1, type: 'harsh_braking' })).not.toBe(a);
  });

  it('builds a page from limit + 1 rows with a cursor on the last returned row', () => {
    const rows = [{ id: 5 }, { id: 4 }, { id: 3 }];

    const page = cursorPage(rows, 2, fingerprint, (row) => [row.id]);

    expect(page.items).toEqual([{ id: 5 }, { id: 4 }]);
    expect(page.limit).toBe(2);
    expect(decodeCursor(page.next_cursor ?? undefined, fingerprint, z.tuple([z.number()]))).toEqual([4]);
  });

  it('has no next cursor on the last page', () => {
    expect(cursorPage([{ id: 1 }, { id: 2 }], 2, fingerprint, (row) => [row.id]).next_cursor).toBeNull();
  });
});
