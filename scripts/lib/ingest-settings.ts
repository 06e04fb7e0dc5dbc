import { z } from 'zod';
import { readServerlessYml, SERVERLESS_YML } from './serverless-yml.js';

/**
 * The ingest event source's settings, read from serverless.yml (`custom.ingest`, which the kafka
 * and msk events use too): one source of truth for the platform and the local bridge.
 */

export const ingestSettings = z.object({
  topic: z.string().min(1),
  consumerGroupId: z.string().min(1),
  batchSize: z.number().int().min(1).max(10_000),
  /** Seconds. */
  maximumBatchingWindow: z.number().min(0).max(300),
  startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']),
  /** -1: retry until the record succeeds (the platform's default for Kafka). */
  maximumRetryAttempts: z.number().int().min(-1).max(10_000),
  bisectBatchOnFunctionError: z.boolean(),
  functionResponseTypes: z.array(z.literal('ReportBatchItemFailures')),
  onFailureTopic: z.string().min(1),
});
export type IngestSettings = z.output<typeof ingestSettings>;

export function readIngestSettings(path = SERVERLESS_YML): IngestSettings & { timeoutS: number } {
  const document = readServerlessYml(path) as {
    custom?: { ingest?: unknown };
    functions?: { ingest?: { timeout?: number } };
  };
  const parsed = ingestSettings.safeParse(document.custom?.ingest);
  if (!parsed.success) throw new Error(`serverless.yml custom.ingest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ...parsed.data, timeoutS: document.functions?.ingest?.timeout ?? 120 };
}
