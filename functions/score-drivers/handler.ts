import { batchHandler } from '../../lib/middleware/index.js';
import { scoreDrivers, scoringEvent, type ScoringReport } from '../../lib/scoring/index.js';
import { parseInput } from '../../lib/validation/index.js';

/**
 * Hourly (and on-demand) batch risk scoring (SPEC 7): every active driver on the schedule, or the
 * drivers of an on-demand invocation, e.g. `npm run invoke -- score-drivers --event '{"driver_ids":[1,2]}'`.
 */
export const handler = batchHandler('score-drivers', async (event: unknown): Promise<ScoringReport> => {
  const { driver_ids: driverIds, time } = parseInput(scoringEvent, event ?? {}, 'event');
  return scoreDrivers({ driverIds, at: time === undefined ? undefined : new Date(time) });
});
