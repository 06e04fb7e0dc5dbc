import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config/index.js';
import { kafkaSecurity } from '../../../lib/kafka/index.js';

describe('kafkaSecurity', () => {
  const kafkaOf = (env: Record<string, string>) => loadConfig(env).kafka;

  it('adds nothing locally', () => {
    expect(kafkaSecurity(kafkaOf({}), 'us-east-1')).toEqual({});
  });

  it('passes SCRAM credentials and TLS for MSK SCRAM', () => {
    const kafka = kafkaOf({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'ingest', KAFKA_SASL_PASSWORD: 'pw' });
    expect(kafkaSecurity(kafka, 'us-east-1')).toEqual({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'ingest', password: 'pw' } });
  });

  it('signs an OAUTHBEARER token over TLS for MSK IAM', () => {
    const security = kafkaSecurity(kafkaOf({ KAFKA_SASL_MECHANISM: 'aws-msk-iam' }), 'eu-west-1');
    expect(security.ssl).toBe(true);
    expect(security.sasl?.mechanism).toBe('oauthbearer');
    expect(typeof (security.sasl as { oauthBearerProvider?: unknown }).oauthBearerProvider).toBe('function');
  });

  it('refuses SCRAM without a user and password at start-up', () => {
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toThrow(/KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: required/);
  });
});
