import type { TelematicsEvent } from './schema.js';

/**
 * What flows through the one ingest path, whatever the transport: each incoming record keeps where
 * it came from (Kafka coordinates or the index in an HTTP batch) and its raw bytes, so a record that
 * cannot be ingested is kept byte for byte with a reason.
 */

export type RecordOrigin =
  | { source: 'kafka'; topic: string; partition: number; offset: number; /** Record timestamp, epoch ms. */ timestampMs: number }
  | { source: 'http'; index: number };

export interface RawRecord {
  origin: RecordOrigin;
  key: Buffer | null;
  value: Buffer | null;
  /** Kafka headers as delivered (`[{name: byte[]}]`), kept for the dead letters. */
  headers: unknown;
}

/** Why a record can never be ingested; the dead letter's `error_code`. */
export const DEAD_LETTER_CODES = ['not_json', 'schema_violation', 'impossible_value', 'unknown_vehicle', 'trip_conflict', 'rejected_by_database'] as const;
export type DeadLetterCode = (typeof DEAD_LETTER_CODES)[number];

export interface ValidRecord {
  raw: RawRecord;
  event: TelematicsEvent;
}

export interface RejectedRecord {
  raw: RawRecord;
  code: DeadLetterCode;
  /** Names the field and the problem, e.g. `speed_kmh: must be at most 400`. */
  reason: string;
}

/** The outcome of storing one batch. */
export interface StoreResult {
  /** Events written now. */
  stored: number;
  /** Valid events that were already stored (same event_id and ts). */
  duplicates: number;
  /** Records written to the dead letters now (a redelivered one already there is not counted). */
  deadLettered: number;
  /** Records that went to the dead letters, with their reasons (including those already there). */
  rejected: RejectedRecord[];
  /** Drivers with newly stored events and trips changed by them: what the caches must forget. */
  drivers: number[];
  trips: string[];
}
