import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { z } from 'zod';

/**
 * The ingest event source's settings, read from serverless.yml (`custom.ingest`, which the kafka
 * and msk events use too): one source of truth for the platform and the local bridge.
 */

const SERVERLESS_YML = fileURLToPath(new URL('../../serverless.yml', import.meta.url));

// CloudFormation's short-form tags (!Ref, !Sub, ...): kept as opaque values, nothing here reads them.
const cloudFormationTags = ['Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Select', 'Split', 'ImportValue', 'FindInMap', 'Equals', 'Not', 'And', 'Or', 'Base64', 'Cidr', 'GetAZs'].flatMap(
  (name) => (['scalar', 'sequence', 'mapping'] as const).map((kind) => new yaml.Type(`!${name}`, { kind, construct: (data: unknown) => ({ [name]: data }) })),
);
const SCHEMA = yaml.DEFAULT_SCHEMA.extend(cloudFormationTags);

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
  const document = yaml.load(readFileSync(path, 'utf8'), { schema: SCHEMA }) as {
    custom?: { ingest?: unknown };
    functions?: { ingest?: { timeout?: number } };
  };
  const parsed = ingestSettings.safeParse(document.custom?.ingest);
  if (!parsed.success) throw new Error(`serverless.yml custom.ingest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ...parsed.data, timeoutS: document.functions?.ingest?.timeout ?? 120 };
}
