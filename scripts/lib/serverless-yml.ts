import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type ScalarTag } from 'yaml';

/**
 * serverless.yml as plain data, for the scripts and tests that read its settings and routes.
 * CloudFormation's short-form tags (`!Ref`, `!Sub`, ...) are read as their plain values: nothing
 * here reads them, only the document's shape matters.
 */

export const SERVERLESS_YML = fileURLToPath(new URL('../../serverless.yml', import.meta.url));

const CLOUDFORMATION_TAGS = ['Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'ImportValue', 'Base64', 'Cidr', 'GetAZs', 'Condition'];
const customTags = CLOUDFORMATION_TAGS.flatMap((name): ScalarTag[] =>
  (['scalar', 'seq', 'map'] as const).map((kind) => ({ tag: `!${name}`, collection: kind === 'scalar' ? undefined : kind, resolve: (value: unknown) => value }) as unknown as ScalarTag),
);

export function readServerlessYml(path: string = SERVERLESS_YML): unknown {
  return parse(readFileSync(path, 'utf8'), { customTags });
}
