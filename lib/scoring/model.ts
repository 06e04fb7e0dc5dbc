import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as OnnxRuntime from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { z } from 'zod';
import { getConfig } from '../config/index.js';
import { NotFoundError } from '../errors/index.js';
import { getObjectBytes, putObject } from '../storage/index.js';
import { FEATURE_NAMES, MONOTONE_INCREASING, type FeatureName } from './features.js';
import type { LinearModel } from './explain.js';

/**
 * The risk model of one instance: a named version's ONNX file and model card, read from the layer
 * (`/opt/models/<version>` on Lambda, the checked-in `layers/deps/models/<version>` elsewhere) or
 * from the S3 model store (`<prefix>/<version>/`), whose files are kept in the instance's /tmp so
 * the next cold start on the same sandbox reads no S3. The ONNX bytes are checked against the
 * card's sha256 wherever they come from. Loaded once per instance (`getRiskModel`); nothing is
 * ever downloaded from the internet and no Python runs here.
 *
 * onnxruntime-node is imported when a model is loaded, not when this module is: it is a native
 * module from the layer, which only the scoring function has.
 */

const featureName = z.enum(FEATURE_NAMES);

/** The parts of the model card (scripts/train/train.py writes it) that scoring reads. */
export const modelCardSchema = z.object({
  version: z.string().min(1),
  onnx: z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), input: z.string(), output: z.string(), positive_class_index: z.number().int() }),
  features: z.array(featureName).min(1),
  monotone_increasing: z.array(featureName),
  scaler: z.object({ mean: z.array(z.number()), scale: z.array(z.number()) }),
  coefficients: z.array(z.number()),
  intercept: z.number(),
  held_out_auc: z.number(),
  score: z.object({
    probability_percentiles: z.array(z.number()).min(2),
    training_distribution: z.object({ edges: z.array(z.number()).min(2), shares: z.array(z.number()).min(1) }),
  }),
});
export type ModelCard = z.output<typeof modelCardSchema>;

export const MODEL_FILE = 'model.onnx';
export const CARD_FILE = 'card.json';

type OrtModule = typeof OnnxRuntime;

export interface RiskModel {
  version: string;
  card: ModelCard;
  /** The card's linear form (for reasons). */
  linear: LinearModel;
  source: 'layer' | 's3' | 's3-cache';
  /** Time from the start of loading to a ready session, ms (the cold-start share of the model). */
  loadMs: number;
  /** Claim probabilities of `rows` (each in the card's feature order), one inference call. */
  predict(rows: Float32Array, count: number): Promise<Float64Array>;
}

export interface ModelLocation {
  version: string;
  source: 'layer' | 's3';
  /** Layer folders to look in, first match wins. */
  layerDirs: readonly string[];
  bucket: string;
  prefix: string;
  cacheDir: string;
}

/** Where the configuration says the model is. */
export function configuredModelLocation(): ModelLocation {
  const { scoring, s3 } = getConfig();
  return {
    version: scoring.modelVersion,
    source: scoring.modelSource,
    layerDirs: scoring.modelDir ? [scoring.modelDir] : ['/opt/models', join(process.cwd(), 'layers/deps/models')],
    bucket: s3.modelBucket,
    prefix: scoring.modelS3Prefix,
    cacheDir: scoring.modelCacheDir,
  };
}

export const modelKey = (prefix: string, version: string, file: string) => `${prefix}/${version}/${file}`;

/** A model whose files do not match its card (a corrupt download, a hand-edited card). */
export class ModelIntegrityError extends Error {
  override readonly name = 'ModelIntegrityError';
}

export async function loadRiskModel(location: ModelLocation = configuredModelLocation()): Promise<RiskModel> {
  const started = performance.now();
  const files = location.source === 'layer' ? await readFromLayer(location) : await readFromStore(location);
  const card = parseCard(files.card, location.version);
  verify(files.onnx, card);
  const ort: OrtModule = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(files.onnx, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1 });
  return {
    version: card.version,
    card,
    linear: { features: card.features, coefficients: card.coefficients, intercept: card.intercept, scaler: card.scaler },
    source: files.source,
    loadMs: performance.now() - started,
    predict: (rows, count) => predict(ort, session, card, rows, count),
  };
}

let instanceModel: Promise<RiskModel> | undefined;

/** The instance's model, loaded on first use and kept for warm invocations (a failed load is retried next time). */
export function getRiskModel(): Promise<RiskModel> {
  instanceModel ??= loadRiskModel().catch((error: unknown) => {
    instanceModel = undefined;
    throw error;
  });
  return instanceModel;
}

/** Forgets the instance's model (tests). */
export function resetRiskModel(): void {
  instanceModel = undefined;
}

/** Publishes a version's files from `dir` to the model store (scripts/train/publish.ts, tests). */
export async function publishModel(dir: string, location: Pick<ModelLocation, 'bucket' | 'prefix' | 'version'>): Promise<void> {
  const card = parseCard(await readFile(join(dir, CARD_FILE)), location.version);
  const onnx = await readFile(join(dir, MODEL_FILE));
  verify(onnx, card);
  // The model first: a reader that finds the card finds the model it describes.
  await putObject(location.bucket, modelKey(location.prefix, location.version, MODEL_FILE), onnx, 'application/octet-stream');
  await putObject(location.bucket, modelKey(location.prefix, location.version, CARD_FILE), await readFile(join(dir, CARD_FILE)), 'application/json');
}

interface ModelFiles {
  onnx: Uint8Array;
  card: Uint8Array;
  source: RiskModel['source'];
}

async function readFromLayer(location: ModelLocation): Promise<ModelFiles> {
  const dir = location.layerDirs.map((d) => join(d, location.version)).find((d) => existsSync(join(d, MODEL_FILE)));
  if (!dir) throw new NotFoundError(`model ${location.version} is not in the layer (looked in ${location.layerDirs.join(', ')})`);
  const [onnx, card] = await Promise.all([readFile(join(dir, MODEL_FILE)), readFile(join(dir, CARD_FILE))]);
  return { onnx, card, source: 'layer' };
}

async function readFromStore(location: ModelLocation): Promise<ModelFiles> {
  const dir = join(location.cacheDir, location.version);
  if (existsSync(join(dir, MODEL_FILE)) && existsSync(join(dir, CARD_FILE))) {
    const [onnx, card] = await Promise.all([readFile(join(dir, MODEL_FILE)), readFile(join(dir, CARD_FILE))]);
    // A damaged cached copy is fetched again rather than trusted.
    if (matchesCard(onnx, card, location.version)) return { onnx, card, source: 's3-cache' };
  }
  const [onnx, card] = await Promise.all([
    getObjectBytes(location.bucket, modelKey(location.prefix, location.version, MODEL_FILE)),
    getObjectBytes(location.bucket, modelKey(location.prefix, location.version, CARD_FILE)),
  ]);
  verify(onnx, parseCard(card, location.version));
  await mkdir(dir, { recursive: true });
  // Written under temporary names and renamed, so a concurrent reader never sees half a file.
  for (const [file, bytes] of [[MODEL_FILE, onnx], [CARD_FILE, card]] as const) {
    const partial = join(dir, `${file}.${process.pid}.partial`);
    await writeFile(partial, bytes);
    await rename(partial, join(dir, file));
  }
  return { onnx, card, source: 's3' };
}

function parseCard(bytes: Uint8Array, version: string): ModelCard {
  const parsed = modelCardSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  if (!parsed.success) throw new ModelIntegrityError(`model card of ${version} is invalid: ${parsed.error.message}`);
  const card = parsed.data;
  if (card.version !== version) throw new ModelIntegrityError(`model card says version ${card.version}, expected ${version}`);
  const n = card.features.length;
  if (card.coefficients.length !== n || card.scaler.mean.length !== n || card.scaler.scale.length !== n) {
    throw new ModelIntegrityError(`model card of ${version}: coefficients and scaler must have one value per feature (${n})`);
  }
  // The product's promise (harsh events never lower a score) holds only if the model was trained with it.
  const unconstrained = MONOTONE_INCREASING.filter((f) => !card.monotone_increasing.includes(f));
  if (unconstrained.length > 0) throw new ModelIntegrityError(`model ${version} is not constrained monotone in ${unconstrained.join(', ')}`);
  return card;
}

function verify(onnx: Uint8Array, card: ModelCard): void {
  const digest = createHash('sha256').update(onnx).digest('hex');
  if (digest !== card.onnx.sha256) throw new ModelIntegrityError(`model ${card.version}: ONNX sha256 ${digest} does not match the card's ${card.onnx.sha256}`);
}

function matchesCard(onnx: Uint8Array, card: Uint8Array, version: string): boolean {
  try {
    verify(onnx, parseCard(card, version));
    return true;
  } catch {
    return false;
  }
}

async function predict(ort: OrtModule, session: InferenceSession, card: ModelCard, rows: Float32Array, count: number): Promise<Float64Array> {
  const width = card.features.length;
  if (rows.length !== count * width) throw new RangeError(`expected ${count} rows of ${width} features, got ${rows.length} values`);
  const output = await session.run({ [card.onnx.input]: new ort.Tensor('float32', rows, [count, width]) }, [card.onnx.output]);
  const tensor = output[card.onnx.output];
  if (!tensor) throw new ModelIntegrityError(`model ${card.version} has no output ${card.onnx.output}`);
  const data = tensor.data as Float32Array;
  const classes = tensor.dims[1] ?? 1;
  const probabilities = new Float64Array(count);
  for (let i = 0; i < count; i++) probabilities[i] = data[i * classes + card.onnx.positive_class_index] ?? Number.NaN;
  return probabilities;
}

/** The model's input rows for drivers' features, in the card's feature order. */
export function toInputRows(card: Pick<ModelCard, 'features'>, drivers: readonly Record<FeatureName, number>[]): Float32Array {
  const width = card.features.length;
  const rows = new Float32Array(drivers.length * width);
  drivers.forEach((driver, i) => {
    card.features.forEach((name, j) => {
      rows[i * width + j] = driver[name];
    });
  });
  return rows;
}
