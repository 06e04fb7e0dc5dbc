import { z } from 'zod';

/** The cache administration API on the wire. */

const name = z.string().regex(/^[A-Za-z0-9][\w-]{0,63}$/, { error: 'must be a cache name: letters, digits, _ and -' });

export const invalidateBody = z.union([
  z
    .strictObject({
      group: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[\w:.-]+$/, { error: 'must be a group name such as driver:42 (letters, digits, _ : . -)' })
        .describe('Outdates every entry of the group in every cache, e.g. `driver:42`, `trips:driver:42`, `dashboard`'),
    })
    .meta({ title: 'GroupInvalidation' }),
  z
    .strictObject({
      cache: name.describe('e.g. `drivers`'),
      key: z.string().min(1).max(500).describe('The key within that cache'),
    })
    .meta({ title: 'KeyInvalidation' }),
]);

export const invalidateResult = z
  .object({
    invalidated: z.union([z.object({ group: z.string() }), z.object({ cache: z.string(), key: z.string() })]),
    propagated: z.boolean().describe('false while Redis is unreachable: the invalidation is queued and replayed when it is back'),
  })
  .meta({ id: 'InvalidationResult' });

const counters = z.object({
  l1_hits: z.number().int().min(0),
  l2_hits: z.number().int().min(0),
  misses: z.number().int().min(0),
  coalesced: z.number().int().min(0),
  stale_served: z.number().int().min(0),
  loads: z.number().int().min(0),
  load_errors: z.number().int().min(0),
  lock_waits: z.number().int().min(0),
  lock_timeouts: z.number().int().min(0),
  stores_refused: z.number().int().min(0),
  invalidations: z.number().int().min(0),
  errors: z.number().int().min(0),
  l2_bypassed: z.number().int().min(0),
  hit_ratio: z.number().min(0).max(1).nullable().describe('(l1_hits + l2_hits) / lookups; null before any'),
  instances: z.number().int().min(1).describe('Instances whose published counters include this cache'),
});

export const cacheStats = z
  .object({
    scope: z.literal('fleet').describe('Counters summed over every instance that published them recently; breaker and bus are the answering instance'),
    caches: z.record(z.string(), counters),
    breaker: z.enum(['closed', 'open', 'half_open']),
    bus: z.enum(['idle', 'connecting', 'listening']),
    pending_invalidations: z.number().int().min(0),
  })
  .meta({ id: 'CacheStats' });

export type InvalidateBody = z.output<typeof invalidateBody>;
export type InvalidateResult = z.output<typeof invalidateResult>;
export type CacheStats = z.output<typeof cacheStats>;
