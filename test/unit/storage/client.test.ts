import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config/index.js';
import { s3ClientConfig } from '../../../lib/storage/index.js';

const DEPLOYED = { STAGE: 'prod', JWT_SECRET: 'a-production-secret-of-at-least-32-chars' };

describe('S3 client options', () => {
  it('talks to the local endpoint with path-style URLs and the LocalStack credentials when a local stage has none', () => {
    const options = s3ClientConfig(loadConfig({ STAGE: 'local' }).s3);

    expect(options).toEqual({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4566',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  it('leaves credentials to the default provider chain when the environment provides them', () => {
    const options = s3ClientConfig(loadConfig({ STAGE: 'test', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' }).s3);

    expect(options).not.toHaveProperty('credentials');
    expect(options.endpoint).toBe('http://127.0.0.1:4566');
  });

  it('never uses the LocalStack credentials outside local stages, even with no credentials in the environment', () => {
    const options = s3ClientConfig(loadConfig({ ...DEPLOYED, AWS_REGION: 'eu-west-1', S3_ENDPOINT: '' }).s3);

    expect(options).toEqual({ region: 'eu-west-1' });
  });

  it('never uses the LocalStack credentials for the AWS endpoint, even in a local stage', () => {
    const options = s3ClientConfig(loadConfig({ STAGE: 'local', S3_ENDPOINT: '' }).s3);

    expect(options).toEqual({ region: 'us-east-1' });
  });

  it('keeps a custom endpoint of a deployed stage path-style, with the default credentials', () => {
    const options = s3ClientConfig(loadConfig({ ...DEPLOYED, S3_ENDPOINT: 'https://s3.internal.example' }).s3);

    expect(options).toEqual({ region: 'us-east-1', endpoint: 'https://s3.internal.example', forcePathStyle: true });
  });
});
