import { randomBytes } from 'node:crypto';
import { DeleteObjectsCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../../../lib/config/index.js';
import { NotFoundError, UnavailableError } from '../../../lib/errors/index.js';
import { closeStorage, getObjectBytes, getS3Client, headBucket, pingStorage, putObject } from '../../../lib/storage/index.js';
import { setEnv, withEnv } from '../../helpers/config.js';
import { freePort } from '../../helpers/net.js';

// Against the local S3 of scripts/services.sh (S3_ENDPOINT, http://127.0.0.1:4566 by default) and
// its buckets. No AWS credentials in the environment: the local default must work without them.
const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;
let restoreEnv = (): void => {};
/** Every key this run writes lives under this prefix, so runs and files never touch each other's objects. */
const prefix = `test/storage/${process.pid}-${randomBytes(4).toString('hex')}`;
const written: { bucket: string; key: string }[] = [];

async function put(bucket: string, name: string, body: Uint8Array | string, contentType: string): Promise<string> {
  const key = `${prefix}/${name}`;
  written.push({ bucket, key });
  await putObject(bucket, key, body, contentType);
  return key;
}

beforeAll(() => {
  restoreEnv = setEnv(Object.fromEntries(CREDENTIAL_VARIABLES.map((name) => [name, undefined])));
  closeStorage();
});

afterAll(async () => {
  const byBucket = Map.groupBy(written, ({ bucket }) => bucket);
  for (const [bucket, objects] of byBucket) {
    await getS3Client().send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects.map(({ key }) => ({ Key: key })) } }));
  }
  closeStorage();
  restoreEnv();
});

describe('object storage', () => {
  it('uses the LocalStack test credentials when the environment has none', () => {
    expect(getConfig().s3.localStackCredentials).toBe(true);
  });

  it('returns the exact bytes it stored, with their content type', async () => {
    const { modelBucket } = getConfig().s3;
    const bytes = new Uint8Array(randomBytes(256 * 1024));

    const key = await put(modelBucket, 'model.onnx', bytes, 'application/octet-stream');

    expect(await getObjectBytes(modelBucket, key)).toEqual(bytes);
    const head = await getS3Client().send(new HeadObjectCommand({ Bucket: modelBucket, Key: key }));
    expect(head.ContentType).toBe('application/octet-stream');
    expect(head.ContentLength).toBe(bytes.length);
  });

  it('stores a string as UTF-8 and replaces an object written under the same key', async () => {
    const { archiveBucket } = getConfig().s3;
    await put(archiveBucket, 'partition.jsonl', '{"v":1}\n', 'application/x-ndjson');

    const key = await put(archiveBucket, 'partition.jsonl', '{"v":2,"name":"Zoë"}\n', 'application/x-ndjson');

    expect(new TextDecoder().decode(await getObjectBytes(archiveBucket, key))).toBe('{"v":2,"name":"Zoë"}\n');
  });

  it('throws NotFoundError for a missing key', async () => {
    const { modelBucket } = getConfig().s3;

    await expect(getObjectBytes(modelBucket, `${prefix}/missing`)).rejects.toThrow(NotFoundError);
  });

  it('finds both configured buckets and throws NotFoundError for a missing one', async () => {
    const { modelBucket, archiveBucket } = getConfig().s3;

    await expect(headBucket(modelBucket)).resolves.toBeUndefined();
    await expect(headBucket(archiveBucket)).resolves.toBeUndefined();
    await expect(headBucket(`missing-${randomBytes(6).toString('hex')}`)).rejects.toThrow(NotFoundError);
  });

  it('measures a round trip to the model bucket', async () => {
    const latencyMs = await pingStorage();

    expect(latencyMs).toBeGreaterThan(0);
  });
});

describe('object storage when S3 is unreachable', () => {
  it('throws a retryable UnavailableError', async () => {
    await withEnv({ S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` }, async () => {
      closeStorage();
      try {
        const failure = pingStorage();

        await expect(failure).rejects.toThrow(UnavailableError);
        await expect(failure).rejects.toMatchObject({ retryable: true });
      } finally {
        closeStorage();
      }
    });
  });
});
