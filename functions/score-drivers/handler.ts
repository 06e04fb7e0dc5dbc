import { z } from 'zod';
import { ValidationError } from '../../lib/errors/index.js';
import { batchHandler } from '../../lib/middleware/index.js';
import { scoreDrivers, type ScoringReport } from '../../lib/scoring/index.js';

/**
 * Hourly (and on-demand) batch risk scoring (SPEC 7): every active driver on the schedule, or the
 * drivers of an on-demand invocation, e.g. `npm run invoke -- score-drivers --event '{"driver_ids":[1,2]}'`.
 * A schedule's `time` sets the run's hour, so a retried scheduled invocation rewrites that hour's rows.
 */
const scoringEvent = z.object({
  driver_ids: z.array(z.number().int().positive()).min(1).max(100_000).optional(),
  time: z.iso.datetime({ offset: true }).optional(),
});

export const handler = batchHandler('score-drivers', async (event: unknown): Promise<ScoringReport> => {
  const parsed = scoringEvent.safeParse(event ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || 'event', message: issue.message }));
    throw new ValidationError(`invalid score-drivers event: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
  }
  const { driver_ids: driverIds, time } = parsed.data;
  return scoreDrivers({ driverIds, at: time === undefined ? undefined : new Date(time) });
});
