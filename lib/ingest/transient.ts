import { UnavailableError } from '../errors/index.js';

/**
 * Whether a failure of the ingest path may succeed on retry (the platform redelivers the records)
 * or never will (the record goes to the dead letters). Unknown errors count as permanent only
 * when PostgreSQL itself rejected the data; anything else about reaching it is transient.
 */

/** SQLSTATE classes and codes worth a retry: connection (08), resources (53), operator intervention (57P), rollbacks (40), lock and statement timeouts. */
const TRANSIENT_SQLSTATE = /^(08|53|57P|40)|^55P03$|^57014$/;

/** postgres.js and Node socket error codes for a database that cannot be reached or went away. */
const TRANSIENT_CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
]);

export function isTransient(error: unknown): boolean {
  if (error instanceof UnavailableError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  if (typeof code !== 'string') return false; // a bug, not an outage: retrying would not help
  // A PostgresError carries a severity; its code is an SQLSTATE.
  if (typeof severity === 'string') return TRANSIENT_SQLSTATE.test(code);
  return TRANSIENT_CONNECTION_CODES.has(code) || !/^[0-9A-Z]{5}$/.test(code);
}
