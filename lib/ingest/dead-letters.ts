import { timedQuery } from '../db/index.js';
import { deadLetterSql, type DeadLetterCountRow, type DeadLetterRow } from './queries.js';
import type { RawRecord, ValidRecord } from './records.js';
import { checkOwnership, writeBatch } from './store.js';
import { checkKafkaRecord } from './validate.js';

/**
 * Operators' view of the dead letters (`npm run dead-letters`): counts by reason, pages newest
 * first, one letter with its decoded payload, and replay after a fix. A replayed record goes
 * through the same checks and the same write as a live one; the ones that are stored now (or were
 * already) are removed from the dead letters, the others stay with their new reason.
 */

export function deadLetterCounts(): Promise<DeadLetterCountRow[]> {
  return timedQuery('dead_letters.counts', (sql) => deadLetterSql.countsByCode(sql));
}

export function listDeadLetters(params: { code?: string; beforeId?: number; limit: number }): Promise<DeadLetterRow[]> {
  return timedQuery('dead_letters.list', (sql) => deadLetterSql.list(sql, params));
}

export function getDeadLetters(ids: readonly number[]): Promise<DeadLetterRow[]> {
  return timedQuery('dead_letters.by_ids', (sql) => deadLetterSql.byIds(sql, ids));
}

/** The payload as text: pretty JSON when it parses, UTF-8 otherwise, hex when not text. */
export function decodedPayload(value: Buffer | null): string {
  if (!value) return '(no value)';
  const text = value.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(value)) return `(binary) ${value.toString('hex')}`;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export interface ReplayOutcome {
  id: number;
  outcome: 'stored' | 'duplicate' | 'still_failing';
  reason?: string;
}

function rawOf(row: DeadLetterRow): RawRecord {
  return {
    origin:
      row.source === 'kafka' && row.topic !== null && row.kafka_partition !== null && row.kafka_offset !== null
        ? { source: 'kafka', topic: row.topic, partition: row.kafka_partition, offset: row.kafka_offset, timestampMs: row.received_at.getTime() }
        : { source: 'http', index: 0 },
    key: row.key,
    value: row.value,
    headers: row.headers,
  };
}

/** Replays the given dead letters one by one; returns what happened to each. */
export async function replayDeadLetters(ids: readonly number[]): Promise<ReplayOutcome[]> {
  const rows = await getDeadLetters(ids);
  const outcomes: ReplayOutcome[] = [];
  for (const row of rows) {
    const checked = checkKafkaRecord(rawOf(row), Date.now());
    let reason = checked.ok ? undefined : checked.record.reason;
    let valid: ValidRecord | undefined = checked.ok ? checked.record : undefined;
    if (valid) {
      const ownership = await checkOwnership([valid]);
      if (ownership.rejected[0]) {
        reason = ownership.rejected[0].reason;
        valid = undefined;
      }
    }
    if (!valid) {
      await timedQuery('dead_letters.update_reason', (sql) => deadLetterSql.updateReason(sql, row.id, reason ?? 'unknown'));
      outcomes.push({ id: row.id, outcome: 'still_failing', ...(reason ? { reason } : {}) });
      continue;
    }
    const result = await writeBatch([valid], []);
    await timedQuery('dead_letters.remove', (sql) => deadLetterSql.remove(sql, [row.id]));
    outcomes.push({ id: row.id, outcome: result.stored > 0 ? 'stored' : 'duplicate' });
  }
  return outcomes;
}
