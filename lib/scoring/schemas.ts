import { z } from 'zod';

/**
 * The score-drivers event: a schedule's (its `time` sets the run's hour, so a retried scheduled
 * invocation rewrites that hour's rows) or an on-demand one naming drivers, e.g.
 * `{"driver_ids": [1, 2]}`.
 */
export const scoringEvent = z.object({
  driver_ids: z.array(z.number().int().positive()).min(1).max(100_000).optional(),
  time: z.iso.datetime({ offset: true }).optional(),
});
