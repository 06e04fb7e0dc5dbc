import { describe, expect, it } from 'vitest';
import { checkUnzippedSizes, LAMBDA_UNZIPPED_LIMIT_BYTES } from '../../../scripts/serverless/size-guard.mjs';

const MB = 1024 * 1024;
const part = (name: string, mb: number, largest: Array<[string, number]> = []) => ({
  name,
  bytes: mb * MB,
  largest: largest.map(([owner, size]) => ({ name: owner, bytes: size * MB })),
});

describe('checkUnzippedSizes', () => {
  it("returns each function's total with its layers when all are under Lambda's limit", () => {
    const totals = checkUnzippedSizes([
      { name: 'health', parts: [part('function zip', 1), part('layer lib', 10), part('layer deps', 45)] },
      { name: 'ingest', parts: [part('function zip', 2), part('layer deps', 45)] },
    ]);

    expect(totals).toEqual([
      { name: 'health', bytes: 56 * MB },
      { name: 'ingest', bytes: 47 * MB },
    ]);
  });

  it('fails for a function over the limit, naming its parts from the largest down and what fills them', () => {
    const functions = [
      { name: 'health', parts: [part('function zip', 1), part('layer deps', 45)] },
      {
        name: 'score-drivers',
        parts: [part('function zip', 1), part('layer lib', 60, [['@aws-sdk/client-s3', 20]]), part('layer deps', 200, [['onnxruntime-node', 180], ['model', 15]])],
      },
    ];

    expect(() => checkUnzippedSizes(functions)).toThrow(
      /250\.0 MB unzipped limit[\s\S]*score-drivers: 261\.0 MB unzipped with its layers; layer deps 200\.0 MB \(largest: onnxruntime-node 180\.0 MB, model 15\.0 MB\); layer lib 60\.0 MB/,
    );
    expect(() => checkUnzippedSizes(functions)).not.toThrow(/health/);
  });

  it('counts the limit itself as allowed', () => {
    expect(() => checkUnzippedSizes([{ name: 'f', parts: [{ name: 'function zip', bytes: LAMBDA_UNZIPPED_LIMIT_BYTES, largest: [] }] }])).not.toThrow();
    expect(() => checkUnzippedSizes([{ name: 'f', parts: [{ name: 'function zip', bytes: LAMBDA_UNZIPPED_LIMIT_BYTES + 1, largest: [] }] }])).toThrow(/f: 250\.0 MB/);
  });
});
