import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FEATURE_NAMES, MONOTONE_INCREASING, ModelIntegrityError, loadRiskModel, logitOf, probabilityToScore, type FeatureName, type Features, type RiskModel,
} from '../../../lib/scoring/index.js';
import { monotoneViolations } from './monotone.js';

/**
 * The committed model (layers/deps/models/<version>) through onnxruntime-node, no services: it
 * reproduces the training library's probabilities, its reasons add up to its own logit, and more
 * harsh events never lower its score.
 */

const VERSION = 'risk-lr-v1';
const LAYER = join(process.cwd(), 'layers/deps/models');
const DIR = join(LAYER, VERSION);
const fixture = JSON.parse(readFileSync(join(DIR, 'fixture.json'), 'utf8')) as {
  features: FeatureName[];
  inputs: number[][];
  probabilities: number[];
};
const location = { version: VERSION, source: 'layer' as const, layerDirs: [LAYER], bucket: 'unused', prefix: 'unused', cacheDir: tmpdir() };
let model: RiskModel;

const asFeatures = (row: readonly number[]): Features => Object.fromEntries(fixture.features.map((f, i) => [f, row[i]])) as Features;
const logit = (p: number) => Math.log(p / (1 - p));

async function probabilities(rows: readonly Features[]): Promise<Float64Array> {
  const width = model.card.features.length;
  const input = new Float32Array(rows.length * width);
  rows.forEach((row, i) => model.card.features.forEach((f, j) => (input[i * width + j] = row[f])));
  return model.predict(input, rows.length);
}

beforeAll(async () => {
  model = await loadRiskModel(location);
});

describe('the committed risk model', () => {
  it('reads the features in the order the product lays them out', () => {
    expect(model.card.features).toEqual([...FEATURE_NAMES]);
    expect(fixture.features).toEqual([...FEATURE_NAMES]);
    expect(model.source).toBe('layer');
  });

  it('reproduces the training library probabilities of the fixture within 1e-5', async () => {
    const p = await probabilities(fixture.inputs.map(asFeatures));
    expect(fixture.inputs.length).toBeGreaterThanOrEqual(32);
    const worst = Math.max(...fixture.probabilities.map((expected, i) => Math.abs((p[i] as number) - expected)));
    expect(worst).toBeLessThan(1e-5);
  });

  it("has reasons that add up to the model's own logit (intercept + contributions)", async () => {
    const p = await probabilities(fixture.inputs.map(asFeatures));
    fixture.inputs.forEach((row, i) => {
      // float32 inference: the logit agrees to float precision.
      expect(logitOf(model.linear, asFeatures(row))).toBeCloseTo(logit(p[i] as number), 3);
    });
  });

  it('never lowers the probability or the score when a harsh-event rate rises, all else equal (grid over every fixture driver)', async () => {
    const grid = [0, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 12, 20, 40];
    for (const feature of MONOTONE_INCREASING) {
      const violations = await monotoneViolations(
        async (rows) => [...(await probabilities(rows))],
        fixture.inputs.map(asFeatures),
        feature,
        grid,
      );
      expect(violations, feature).toEqual([]);
      const scores = await monotoneViolations(
        async (rows) => [...(await probabilities(rows))].map((p) => probabilityToScore(p, model.card.score.probability_percentiles)),
        fixture.inputs.map(asFeatures),
        feature,
        grid,
      );
      expect(scores, feature).toEqual([]);
    }
  });

  it('matches its committed checksums', () => {
    const sums = readFileSync(join(DIR, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums.length).toBe(3);
    for (const line of sums) {
      const [digest, file] = line.split(/\s+/);
      expect(createHash('sha256').update(readFileSync(join(DIR, file as string))).digest('hex'), file).toBe(digest);
    }
    expect(createHash('sha256').update(readFileSync(join(DIR, 'model.onnx'))).digest('hex')).toBe(model.card.onnx.sha256);
  });
});

describe('loading a model', () => {
  let copy: string;
  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'scoring-model-'));
    cpSync(DIR, join(copy, VERSION), { recursive: true });
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('refuses an ONNX file that does not match its card', async () => {
    const file = join(copy, VERSION, 'model.onnx');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    await expect(loadRiskModel({ ...location, layerDirs: [copy] })).rejects.toBeInstanceOf(ModelIntegrityError);
  });

  it('refuses a card that does not constrain every harsh-event feature', async () => {
    const other = mkdtempSync(join(tmpdir(), 'scoring-model-'));
    try {
      cpSync(DIR, join(other, VERSION), { recursive: true });
      const cardFile = join(other, VERSION, 'card.json');
      const card = JSON.parse(readFileSync(cardFile, 'utf8')) as { monotone_increasing: string[] };
      card.monotone_increasing = card.monotone_increasing.filter((f) => f !== 'harsh_braking_per_100km');
      writeFileSync(cardFile, JSON.stringify(card));
      await expect(loadRiskModel({ ...location, layerDirs: [other] })).rejects.toThrow(/not constrained monotone in harsh_braking_per_100km/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('names the places it looked in when the version is not in the layer', async () => {
    await expect(loadRiskModel({ ...location, version: 'risk-missing' })).rejects.toThrow(/risk-missing is not in the layer/);
  });
});
