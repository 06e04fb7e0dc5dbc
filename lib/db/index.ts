export { createSqlClient, sendsStatementTimeoutAtStartup } from './client.js';
export { arrayLiteral } from './arrays.js';
export { copyInto, copyLine, type CopyCell, type CopyTarget } from './copy.js';
export { cursorTimestampOf } from './keyset.js';
export { driverExists, lookupSql } from './lookups.js';
export type { DbValueTypes, ReservedSql, Sql, SqlClientOptions, TransactionSql } from './client.js';
export * from './pool.js';
