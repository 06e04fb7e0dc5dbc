import { z } from 'zod';

/** The wire shape of every error answer (see problem.ts), for route documents. */
export const problemSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable machine-readable code, e.g. `validation_failed`, `not_found`.'),
      message: z.string(),
      fields: z
        .array(z.object({ field: z.string().describe('e.g. `query.page_size`, `body.email`'), message: z.string() }))
        .optional()
        .describe('For validation errors: every field in error.'),
      correlation_id: z.string(),
    }),
  })
  .meta({ id: 'Problem' });
