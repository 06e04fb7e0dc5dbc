/**
 * npm run dead-letters -- list [--code schema_violation] [--limit 20] [--before ID]
 *                        show ID
 *                        replay ID... | replay --code CODE [--limit 100]
 *
 * Operators' view of the records ingestion could not store (DATABASE_URL): counts by reason and
 * the newest letters, one letter with its decoded payload, and replay after a fix (see
 * lib/ingest/dead-letters.ts). Exits 1 when a replayed letter still fails.
 */
import { parseArgs } from 'node:util';
import { closeDb } from '../lib/db/index.js';
import { deadLetterCounts, decodedPayload, getDeadLetters, listDeadLetters, replayDeadLetters } from '../lib/ingest/dead-letters.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { code: { type: 'string' }, limit: { type: 'string', default: '20' }, before: { type: 'string' } },
});
const [command, ...rest] = positionals;

function ids(raw: string[]): number[] {
  return raw.map((id) => {
    const value = Number(id);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`expected dead letter ids (positive integers), got "${id}"`);
    return value;
  });
}

const limit = Number(values.limit);
const where = (row: { topic: string | null; kafka_partition: number | null; kafka_offset: number | null; source: string }) =>
  row.source === 'kafka' ? `${row.topic}-${row.kafka_partition}@${row.kafka_offset}` : 'http';

let status = 0;
try {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new Error('--limit: expected an integer from 1 to 10000');
  if (command === 'list') {
    const counts = await deadLetterCounts();
    console.log(counts.length === 0 ? 'no dead letters' : 'by reason:');
    for (const c of counts) console.log(`  ${c.error_code.padEnd(22)} ${String(c.count).padStart(8)}  ${c.oldest.toISOString()} .. ${c.newest.toISOString()}`);
    const rows = await listDeadLetters({ limit, ...(values.code ? { code: values.code } : {}), ...(values.before ? { beforeId: ids([values.before])[0]! } : {}) });
    if (rows.length > 0) console.log(`\nnewest ${rows.length}${values.code ? ` (${values.code})` : ''}:`);
    for (const row of rows) console.log(`  #${row.id}  ${row.received_at.toISOString()}  ${row.error_code.padEnd(20)} ${where(row).padEnd(28)} ${row.reason}`);
  } else if (command === 'show') {
    const [row] = await getDeadLetters(ids(rest.slice(0, 1)));
    if (!row) throw new Error(`no dead letter ${rest[0] ?? ''}`);
    console.log(`#${row.id} received ${row.received_at.toISOString()} from ${where(row)}`);
    console.log(`code:    ${row.error_code}\nreason:  ${row.reason}`);
    console.log(`key:     ${row.key ? row.key.toString('utf8') : '(none)'}`);
    console.log(`headers: ${JSON.stringify(row.headers)}`);
    console.log(`payload:\n${decodedPayload(row.value)}`);
  } else if (command === 'replay') {
    const selected = rest.length > 0 ? ids(rest) : values.code ? (await listDeadLetters({ code: values.code, limit })).map((r) => r.id) : [];
    if (selected.length === 0) throw new Error('replay: name dead letter ids, or --code CODE');
    const outcomes = await replayDeadLetters(selected);
    for (const o of outcomes) console.log(`  #${o.id} ${o.outcome}${o.reason ? `: ${o.reason}` : ''}`);
    const failing = outcomes.filter((o) => o.outcome === 'still_failing').length;
    console.log(`replayed ${outcomes.length}: ${outcomes.length - failing} ingested and removed, ${failing} still failing`);
    if (failing > 0) status = 1;
  } else {
    throw new Error('usage: npm run dead-letters -- list [--code CODE] [--limit N] | show ID | replay ID... | replay --code CODE');
  }
} catch (error) {
  console.error(`dead-letters: ${(error as Error).message}`);
  status = 1;
} finally {
  await closeDb();
}
process.exit(status);
