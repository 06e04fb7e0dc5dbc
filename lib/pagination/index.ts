export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE,
  MAX_PAGE_SIZE,
  offsetPage,
  offsetPaginationQuery,
  offsetWindow,
  type OffsetPage,
  type OffsetParams,
} from './offset.js';
export {
  cursorPage,
  cursorPaginationQuery,
  cursorTimestamp,
  decodeCursor,
  encodeCursor,
  queryFingerprint,
  timestampUuidKey,
  type CursorPage,
  type CursorParams,
  type KeysetWindow,
  type KeysetKey,
} from './cursor.js';
