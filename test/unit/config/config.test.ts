import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lib/config/index.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected loadConfig to reject the environment');
}

describe('loadConfig', () => {
  it('starts with safe local defaults when the environment is empty', () => {
    const config = loadConfig({});

    expect(config.stage).toBe('local');
    expect(config.db.url).toBe('postgres://telematics:telematics@127.0.0.1:5432/telematics');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.s3.endpoint).toBe('http://127.0.0.1:4566');
    expect(config.auth.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(config.partitions).toEqual({ monthsAhead: 3, retentionMonths: 12, archivePrefix: '' });
  });

  it('reads typed values from the environment', () => {
    const config = loadConfig({ DB_POOL_MAX: '12', KAFKA_BROKERS: 'a:9092, b:9093', CACHE_ENABLED: 'false', S3_ENDPOINT: '' });

    expect(config.db.poolMax).toBe(12);
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.cache.enabled).toBe(false);
    expect(config.s3.endpoint).toBeUndefined();
  });

  it.each([
    ['DB_POOL_MAX', 'lots', 'DB_POOL_MAX: expected an integer between 1 and 100, got "lots"'],
    ['DB_POOL_MAX', '0', 'DB_POOL_MAX: expected an integer between 1 and 100, got "0"'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL: expected a URL starting with postgres:// or postgresql://, got "mysql://x"'],
    ['REDIS_URL', 'not a url', 'REDIS_URL: expected a URL starting with redis:// or rediss://, got "not a url"'],
    ['KAFKA_BROKERS', 'localhost', 'KAFKA_BROKERS: expected a comma-separated list of host:port, got "localhost"'],
    ['STAGE', 'qa', 'STAGE: expected one of local, test, dev, staging, prod, got "qa"'],
    ['CACHE_ENABLED', 'maybe', 'CACHE_ENABLED: expected true or false, got "maybe"'],
    ['HARSH_BRAKING_MPS2', 'hard', 'HARSH_BRAKING_MPS2: expected a number, got "hard"'],
  ])('names %s when it is malformed (%s)', (name, value, message) => {
    expect(problemsOf({ [name]: value })).toEqual([message]);
  });

  it('reports every bad variable at once, each with its own message', () => {
    const problems = problemsOf({ DB_POOL_MAX: 'x', REDIS_URL: 'nope', LOG_LEVEL: 'LOUD' });

    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['DB_POOL_MAX', 'LOG_LEVEL', 'REDIS_URL']);
  });

  it('requires JWT_SECRET outside local and test stages', () => {
    expect(problemsOf({ STAGE: 'prod' })).toEqual(['JWT_SECRET: required when STAGE=prod']);
  });

  it('reports a missing JWT_SECRET together with the other bad variables', () => {
    const problems = problemsOf({ STAGE: 'prod', DB_POOL_MAX: 'x', REDIS_URL: 'nope' });

    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['DB_POOL_MAX', 'JWT_SECRET', 'REDIS_URL']);
    expect(problems).toContain('JWT_SECRET: required when STAGE=prod');
  });

  it('reports a short JWT_SECRET together with a malformed STAGE', () => {
    const problems = problemsOf({ STAGE: 'qa', JWT_SECRET: 'short-secret' });

    expect(problems).toEqual(['STAGE: expected one of local, test, dev, staging, prod, got "qa"', 'JWT_SECRET: expected at least 32 characters']);
  });

  it('rejects a short JWT_SECRET without echoing it', () => {
    const problems = problemsOf({ STAGE: 'prod', JWT_SECRET: 'short-secret' });

    expect(problems).toEqual(['JWT_SECRET: expected at least 32 characters']);
    expect(problems.join()).not.toContain('short-secret');
  });

  it('hides the password of a malformed database URL in its message', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://user:hunter2@db/x' });

    expect(problems[0]).toContain('mysql://user:***@db/x');
    expect(problems[0]).not.toContain('hunter2');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DB_POOL_MAX: '', LOG_LEVEL: ' ' }).db.poolMax).toBe(5);
  });
});
