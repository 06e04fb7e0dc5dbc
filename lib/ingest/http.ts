import type { Principal } from '../auth/index.js';
import { ForbiddenError, type FieldProblem } from '../errors/index.js';
import { validationError } from '../validation/index.js';
import { ingestBatchDuration, ingestRecords } from './metrics.js';
import type { RawRecord, ValidRecord } from './records.js';
import type { HttpEventBatch, HttpEventBatchResult } from './schema.js';
import { checkOwnership, writeBatch } from './store.js';
import { implausibleTimestamp } from './validate.js';

/**
 * `POST /api/v1/events`: a device that cannot reach Kafka uploads a batch. Same checks and the same
 * write as a Kafka batch, but a person or device is waiting for the answer, so instead of dead
 * letters a batch with any unacceptable event is refused as a whole (400 naming each field, 403 for
 * another driver's events) and nothing is written. Replaying an upload stores nothing twice.
 */
export async function ingestHttpBatch(principal: Principal, body: HttpEventBatch): Promise<HttpEventBatchResult> {
  const started = performance.now();
  const field = (index: number, name: string) => `body.events[${index}].${name}`;

  if (principal.role !== 'admin') {
    const foreign = body.events.findIndex((event) => event.driver_id !== principal.driverId);
    if (foreign >= 0) throw new ForbiddenError(`${field(foreign, 'driver_id')}: drivers may only send their own events`);
  }

  const nowMs = Date.now();
  const problems: FieldProblem[] = [];
  const records: ValidRecord[] = body.events.map((event, index) => {
    const implausible = implausibleTimestamp(event, nowMs);
    if (implausible) problems.push({ field: field(index, 'ts'), message: implausible.replace(/^ts: /, '') });
    const raw: RawRecord = { origin: { source: 'http', index }, key: null, value: null, headers: null };
    return { raw, event };
  });
  if (problems.length > 0) throw validationError(problems);

  const ownership = await checkOwnership(records, nowMs);
  if (ownership.rejected.length > 0) {
    throw validationError(
      ownership.rejected.map((rejected) => {
        const index = rejected.raw.origin.source === 'http' ? rejected.raw.origin.index : -1;
        const [name, ...message] = rejected.reason.split(': ');
        return { field: field(index, name ?? 'event'), message: message.join(': ') };
      }),
    );
  }

  const result = await writeBatch(ownership.valid, []);
  ingestRecords.inc({ source: 'http', outcome: 'stored' }, result.stored);
  ingestRecords.inc({ source: 'http', outcome: 'duplicate' }, result.duplicates);
  ingestBatchDuration.observe({ source: 'http' }, (performance.now() - started) / 1000);
  return { received: body.events.length, stored: result.stored, duplicates: result.duplicates };
}
