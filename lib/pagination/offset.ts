import { z } from 'zod';
import { intParam } from '../validation/index.js';

/**
 * Offset pagination (`?page=3&page_size=20`) for lists people page through by number, such as
 * drivers. Deep pages cost an OFFSET scan, so `page` is capped; long, growing lists (trips, events,
 * risk scores) use cursor pagination.
 */

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const MAX_PAGE = 10_000;

/** Query parameters `page` and `page_size`; routes extend it with their filters. */
export const offsetPaginationQuery = z.object({
  page: intParam(1, MAX_PAGE).default(1),
  page_size: intParam(1, MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});

export type OffsetParams = z.output<typeof offsetPaginationQuery>;

export interface OffsetPage<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
  has_next: boolean;
  has_previous: boolean;
}

/** The LIMIT and OFFSET of a page. */
export function offsetWindow(params: OffsetParams): { limit: number; offset: number } {
  return { limit: params.page_size, offset: (params.page - 1) * params.page_size };
}

/** A page of `items` out of `total` matching rows (counted by its own query: a page past the end has no rows to count). */
export function offsetPage<T>(items: T[], total: number, params: OffsetParams): OffsetPage<T> {
  const totalPages = Math.ceil(total / params.page_size);
  return {
    items,
    total,
    page: params.page,
    page_size: params.page_size,
    total_pages: totalPages,
    has_next: params.page < totalPages,
    has_previous: params.page > 1,
  };
}

/** The wire shape of an offset page of `item`, for route documents. */
export function offsetPageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int().min(0),
    page: z.number().int().min(1),
    page_size: z.number().int().min(1).max(MAX_PAGE_SIZE),
    total_pages: z.number().int().min(0),
    has_next: z.boolean(),
    has_previous: z.boolean(),
  });
}
