import { describe, expect, it } from 'vitest';
import { InvalidDatasetError, SeedError, SeedingNotAllowedError, seedDatabase } from '../../../lib/seed/index.js';
import { withEnv } from '../../helpers/config.js';

/** Refusals happen before the seed connects anywhere: the URL below is never dialled. */
const NOWHERE = 'postgres://nobody:nothing@127.0.0.1:1/none';
const SHAPE = { drivers: 2, days: 1, seed: 1, end: new Date('2026-11-15T00:00:00Z'), sampleIntervalS: 5, databaseUrl: NOWHERE };

describe('seed refusals', () => {
  it('names every out-of-bounds field of the dataset', async () => {
    const refusal = await seedDatabase({ ...SHAPE, drivers: 0, days: 401, sampleIntervalS: 0.5 }).catch((e: unknown) => e);

    expect(refusal).toBeInstanceOf(InvalidDatasetError);
    expect((refusal as InvalidDatasetError).problems.map((p) => p.field)).toEqual(['drivers', 'days', 'sampleIntervalS']);
    expect((refusal as Error).message).toMatch(/^invalid dataset: drivers: expected an integer from 1 to 1000000; days: /);
  });

  it('refuses a deployed stage with a plain error meant for a terminal, not an HTTP one', async () => {
    const refusal = await withEnv({ STAGE: 'prod', JWT_SECRET: 'a-deployed-stage-secret-of-at-least-32-characters' }, () =>
      seedDatabase(SHAPE).catch((e: unknown) => e),
    );

    expect(refusal).toBeInstanceOf(SeedingNotAllowedError);
    expect(refusal).toBeInstanceOf(SeedError);
    expect(refusal).not.toHaveProperty('status');
  });
});
