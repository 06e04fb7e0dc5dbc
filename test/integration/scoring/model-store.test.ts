import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../../../lib/config/index.js';
import { NotFoundError } from '../../../lib/errors/index.js';
import { CARD_FILE, MODEL_FILE, ModelIntegrityError, loadRiskModel, modelKey, publishModel, type ModelLocation } from '../../../lib/scoring/index.js';
import { closeStorage, getS3Client, putObject } from '../../../lib/storage/index.js';

/**
 * The S3 model store against the local S3: a published version loads from S3 once, then from the
 * instance's /tmp copy; a damaged copy is fetched again; an object that does not match its card is refused.
 */

const VERSION = 'risk-lr-v1';
const LAYER_DIR = join(process.cwd(), 'layers/deps/models', VERSION);
const prefix = `test/scoring/${process.pid}-${randomBytes(4).toString('hex')}`;
let cacheDir: string;
let location: ModelLocation;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'scoring-store-'));
  location = { version: VERSION, source: 's3', layerDirs: [], bucket: getConfig().s3.modelBucket, prefix, cacheDir };
  await publishModel(LAYER_DIR, location);
});

afterAll(async () => {
  const keys = [MODEL_FILE, CARD_FILE].flatMap((f) => [modelKey(prefix, VERSION, f), modelKey(prefix, 'risk-tampered', f)]);
  await getS3Client().send(new DeleteObjectsCommand({ Bucket: location.bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
  closeStorage();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('the S3 model store', () => {
  it('loads a published version from S3 and keeps its files in the cache folder', async () => {
    const model = await loadRiskModel(location);
    expect(model).toMatchObject({ version: VERSION, source: 's3' });
    expect(readFileSync(join(cacheDir, VERSION, MODEL_FILE))).toEqual(readFileSync(join(LAYER_DIR, MODEL_FILE)));
  });

  it('loads the cached copy on the next cold start, without S3', async () => {
    const model = await loadRiskModel({ ...location, bucket: 'no-such-bucket-for-this-test' });
    expect(model.source).toBe('s3-cache');
  });

  it('fetches a damaged cached copy again instead of trusting it', async () => {
    writeFileSync(join(cacheDir, VERSION, MODEL_FILE), 'not a model');
    const model = await loadRiskModel(location);
    expect(model.source).toBe('s3');
    expect(readFileSync(join(cacheDir, VERSION, MODEL_FILE))).toEqual(readFileSync(join(LAYER_DIR, MODEL_FILE)));
  });

  it('refuses a stored model whose bytes do not match its card, and caches nothing', async () => {
    const card = JSON.parse(readFileSync(join(LAYER_DIR, CARD_FILE), 'utf8')) as { version: string };
    card.version = 'risk-tampered';
    await putObject(location.bucket, modelKey(prefix, 'risk-tampered', CARD_FILE), JSON.stringify(card), 'application/json');
    await putObject(location.bucket, modelKey(prefix, 'risk-tampered', MODEL_FILE), new Uint8Array(randomBytes(512)), 'application/octet-stream');
    await expect(loadRiskModel({ ...location, version: 'risk-tampered' })).rejects.toBeInstanceOf(ModelIntegrityError);
    expect(existsSync(join(cacheDir, 'risk-tampered'))).toBe(false);
  });

  it('says which version is missing from the store', async () => {
    await expect(loadRiskModel({ ...location, version: 'risk-never-published' })).rejects.toBeInstanceOf(NotFoundError);
  });
});
