import { performance } from 'node:perf_hooks';
import {
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getConfig, type Config } from '../config/index.js';
import { NotFoundError, UnavailableError } from '../errors/index.js';

/**
 * Object storage (S3) of one function instance: the model store and the partition archives.
 * One client, created on first use from `getConfig().s3` and reused by warm invocations (it keeps
 * its HTTPS connections alive). Locally it talks to LocalStack at S3_ENDPOINT with path-style
 * URLs (`http://host:4566/bucket/key`, no per-bucket DNS names).
 *
 * Errors: a missing object or bucket is a NotFoundError; an unreachable, throttling or failing
 * S3 is an UnavailableError (retryable); anything else (access denied, a malformed request) is
 * rethrown as the SDK raised it, since retrying will not help.
 */

/** The credentials LocalStack documents; it accepts any. Used only as `config.s3.localStackCredentials` says. */
const LOCALSTACK_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

let client: S3Client | undefined;

/** The S3 client options a configuration calls for; the SDK's default provider chain supplies credentials unless LocalStack's are due. */
export function s3ClientConfig(s3: Config['s3']): S3ClientConfig {
  return {
    region: s3.region,
    ...(s3.endpoint === undefined ? {} : { endpoint: s3.endpoint, forcePathStyle: true }),
    ...(s3.localStackCredentials ? { credentials: LOCALSTACK_CREDENTIALS } : {}),
  };
}

export function getS3Client(): S3Client {
  client ??= new S3Client(s3ClientConfig(getConfig().s3));
  return client;
}

/** Stores an object, replacing any object under the same key. */
export async function putObject(bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<void> {
  await send(() => getS3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType })), {
    bucket,
    key,
  });
}

/** An object's content; NotFoundError if the object (or its bucket) does not exist. */
export async function getObjectBytes(bucket: string, key: string): Promise<Uint8Array> {
  return send(
    async () => {
      const response = await getS3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return response.Body ? response.Body.transformToByteArray() : new Uint8Array();
    },
    { bucket, key },
  );
}

/** Resolves if the bucket exists and is reachable with the instance's credentials; NotFoundError if it does not exist. */
export async function headBucket(bucket: string): Promise<void> {
  await send(() => getS3Client().send(new HeadBucketCommand({ Bucket: bucket })), { bucket });
}

/**
 * Round-trip time in milliseconds of a HEAD on the model bucket, for health checks. Throws
 * UnavailableError if S3 does not answer and NotFoundError if the bucket is missing.
 */
export async function pingStorage(): Promise<number> {
  const started = performance.now();
  await headBucket(getConfig().s3.modelBucket);
  return performance.now() - started;
}

/** Closes the client's connections (scripts and tests); the next call creates a new client. */
export function closeStorage(): void {
  client?.destroy();
  client = undefined;
}

/** Runs one S3 operation and translates its failure into the product's errors. */
async function send<T>(operation: () => Promise<T>, target: { bucket: string; key?: string }): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translate(error, target);
  }
}

function translate(error: unknown, { bucket, key }: { bucket: string; key?: string }): unknown {
  const where = key === undefined ? `bucket ${bucket}` : `s3://${bucket}/${key}`;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    // GetObject says NoSuchKey or NoSuchBucket; HEAD requests have no body, so only the status tells.
    if (status === 404 || error.name === 'NoSuchKey' || error.name === 'NoSuchBucket') {
      return new NotFoundError(`${where} does not exist`, { cause: error });
    }
    if (error.$fault === 'server' || error.$retryable !== undefined || status === 429) {
      return new UnavailableError(`S3 failed on ${where}: ${error.name}`, { cause: error });
    }
    return error;
  }
  if (isNetworkError(error)) return new UnavailableError(`S3 is unreachable (${where})`, { cause: error });
  return error;
}

/** Socket-level failures: S3 gave no answer at all (refused or reset connection, DNS failure, timeout). */
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return error.name === 'TimeoutError' || (code !== undefined && NETWORK_ERROR_CODES.has(code));
}
