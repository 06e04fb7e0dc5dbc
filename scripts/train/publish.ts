/**
 * npm run model:publish [-- --version risk-lr-v1]
 * Publishes a model version from layers/deps/models/<version> to the S3 model store
 * (S3_MODEL_BUCKET, MODEL_S3_PREFIX/<version>/), after checking the ONNX file against its card.
 * With MODEL_SOURCE=s3 the scorer loads it from there (and keeps it in MODEL_CACHE_DIR).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getConfig } from '../../lib/config/index.js';
import { configuredModelLocation, modelKey, publishModel } from '../../lib/scoring/index.js';
import { closeStorage } from '../../lib/storage/index.js';

const { values } = parseArgs({ options: { version: { type: 'string' } } });
const location = { ...configuredModelLocation(), ...(values.version ? { version: values.version } : {}) };
try {
  const dir = join(process.cwd(), 'layers/deps/models', location.version);
  await publishModel(dir, location);
  console.log(`published ${dir} to s3://${getConfig().s3.modelBucket}/${modelKey(location.prefix, location.version, '')}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  closeStorage();
}
