import { getConfig } from '../config/index.js';
import { checkInput } from '../validation/index.js';
import { fastEvent } from './fast-check.js';
import type { RawRecord, RejectedRecord, ValidRecord } from './records.js';
import { telematicsEvent, type TelematicsEvent } from './schema.js';

/**
 * Decoding and validation of single records, pure apart from the clock: bytes -> JSON -> the wire
 * schema -> plausibility. Checks that need the database (vehicle known, trip owner) are in store.ts.
 */

/** Devices' clocks run a little ahead at worst; an event further in the future is a broken clock. */
export const MAX_FUTURE_SKEW_MS = 24 * 3_600_000;
const MONTH_MS = 31 * 86_400_000;

export type Checked = { ok: true; record: ValidRecord } | { ok: false; record: RejectedRecord };

const reject = (raw: RawRecord, code: RejectedRecord['code'], reason: string): Checked => ({ ok: false, record: { raw, code, reason } });

/** An event's timestamp outside what could be true: beyond the retention window, or in the future. */
export function implausibleTimestamp(event: TelematicsEvent, nowMs: number): string | undefined {
  const at = Date.parse(event.ts);
  if (at > nowMs + MAX_FUTURE_SKEW_MS) return `ts: ${event.ts} is more than ${MAX_FUTURE_SKEW_MS / 3_600_000} h in the future`;
  const retentionMonths = getConfig().partitions.retentionMonths;
  if (at < nowMs - (retentionMonths + 1) * MONTH_MS) return `ts: ${event.ts} is older than the ${retentionMonths}-month retention`;
  return undefined;
}

/** Validates an already parsed value (an HTTP batch element or a decoded Kafka value). */
export function checkEvent(raw: RawRecord, value: unknown, nowMs: number): Checked {
  let event = fastEvent(value);
  if (!event) {
    const checked = checkInput(telematicsEvent, value, '');
    if (!checked.ok) return reject(raw, 'schema_violation', checked.problems.map((p) => `${p.field || 'value'}: ${p.message}`).join('; '));
    event = checked.data;
  }
  const implausible = implausibleTimestamp(event, nowMs);
  if (implausible) return reject(raw, 'impossible_value', implausible);
  return { ok: true, record: { raw, event } };
}

/** Decodes a Kafka record value (UTF-8 JSON) and validates it. */
export function checkKafkaRecord(raw: RawRecord, nowMs: number): Checked {
  if (raw.value === null || raw.value.length === 0) return reject(raw, 'not_json', 'the record has no value');
  let value: unknown;
  try {
    value = JSON.parse(raw.value.toString('utf8'));
  } catch (error) {
    return reject(raw, 'not_json', `the value is not JSON: ${(error as Error).message}`);
  }
  return checkEvent(raw, value, nowMs);
}
