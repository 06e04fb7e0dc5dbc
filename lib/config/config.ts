import { z } from 'zod';

/**
 * One typed configuration for every function, read from the environment once per instance.
 * Local defaults let a developer run everything with no configuration; stages other than
 * `local` and `test` must provide secrets explicitly.
 */

const LOCAL_STAGES = new Set(['local', 'test']);
const LOCAL_JWT_SECRET = 'local-only-jwt-secret-do-not-use-in-production';

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `expected an integer between ${min} and ${max}` })
    .int({ error: `expected an integer between ${min} and ${max}` })
    .min(min, { error: `expected an integer between ${min} and ${max}` })
    .max(max, { error: `expected an integer between ${min} and ${max}` });

const num = z.coerce.number({ error: 'expected a number' }).refine(Number.isFinite, { error: 'expected a number' });

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const brokerList = z
  .string()
  .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
  .refine((brokers) => brokers.length > 0 && brokers.every((b) => /^[\w.-]+:\d{1,5}$/.test(b)), {
    error: 'expected a comma-separated list of host:port',
  });

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

const EnvSchema = z.object({
  STAGE: z.enum(['local', 'test', 'dev', 'staging', 'prod'], { error: 'expected one of local, test, dev, staging, prod' }).default('local'),
  SERVICE_NAME: z.string().min(1).default('telematics'),
  // The deployed build, reported by GET /health; serverless.yml sets it from package.json.
  SERVICE_VERSION: z.string().min(1).default('0.0.0-dev'),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'], { error: 'expected DEBUG, INFO, WARN, ERROR or SILENT' }).default('INFO'),

  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://telematics:telematics@127.0.0.1:5432/telematics'),
  DB_POOL_MAX: int(1, 100).default(5),
  DB_IDLE_TIMEOUT_S: int(1, 3600).default(20),
  DB_CONNECT_TIMEOUT_S: int(1, 120).default(5),
  DB_STATEMENT_TIMEOUT_MS: int(100, 3_600_000).default(10_000),
  DB_MAX_LIFETIME_S: int(60, 86_400).default(1800),
  // Transaction-mode poolers (RDS Proxy, PgBouncer) cannot keep named prepared statements per client.
  DB_PREPARE: boolean.default(true),

  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_CONNECT_TIMEOUT_MS: int(50, 60_000).default(1000),
  REDIS_COMMAND_TIMEOUT_MS: int(5, 60_000).default(250),
  REDIS_MAX_RETRIES: int(0, 10).default(1),

  KAFKA_BROKERS: brokerList.default(['127.0.0.1:9092']),
  KAFKA_TOPIC: z.string().regex(/^[\w.-]+$/, { error: 'expected a Kafka topic name' }).default('telematics.events'),
  KAFKA_CLIENT_ID: z.string().min(1).default('telematics'),
  KAFKA_CONSUMER_GROUP: z.string().min(1).default('telematics-ingest'),
  // Deployed clusters: TLS, and SASL as MSK offers it (SCRAM with a secret, or IAM with the function's role).
  KAFKA_SSL: boolean.default(false),
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512', 'aws-msk-iam'], { error: 'expected plain, scram-sha-256, scram-sha-512 or aws-msk-iam' })
    .optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),

  AWS_REGION: z.string().min(1).default('us-east-1'),
  // Read by the AWS SDK itself; here only whether it is set matters (see s3.localStackCredentials).
  AWS_ACCESS_KEY_ID: z.string().optional(),
  S3_ENDPOINT: z.union([z.literal(''), url(['http:', 'https:'])]).default('http://127.0.0.1:4566'),
  S3_MODEL_BUCKET: z.string().min(3).default('telematics-models'),
  S3_ARCHIVE_BUCKET: z.string().min(3).default('telematics-archive'),

  JWT_SECRET: z.string().optional(),
  JWT_ISSUER: z.string().min(1).default('telematics'),
  JWT_AUDIENCE: z.string().min(1).default('telematics-api'),
  JWT_TTL_S: int(60, 7 * 86_400).default(3600),
  PASSWORD_MIN_LENGTH: int(8, 128).default(8),
  // Login throttling (lib/auth/throttle.ts): failed sign-ins allowed per window, counted fleet-wide in Redis.
  LOGIN_THROTTLE_WINDOW_S: int(1, 86_400).default(900),
  LOGIN_THROTTLE_MAX_PER_USERNAME: int(1, 1000).default(5),
  LOGIN_THROTTLE_MAX_PER_SOURCE: int(1, 100_000).default(50),
  // How long an instance trusts a user's active flag before reading it again (deactivation also invalidates it at once).
  AUTH_USER_CACHE_TTL_MS: int(1000, 600_000).default(15_000),

  CACHE_ENABLED: boolean.default(true),
  CACHE_PREFIX: z.string().regex(/^[\w:-]+$/, { error: 'expected letters, digits, _, - or :' }).default('tele'),
  CACHE_L1_MAX_ENTRIES: int(0, 1_000_000).default(5000),
  CACHE_LOCK_TTL_MS: int(100, 60_000).default(5000),
  CACHE_LOCK_WAIT_MS: int(10, 60_000).default(2000),
  CACHE_BREAKER_COOLDOWN_MS: int(100, 600_000).default(5000),
  CACHE_BREAKER_THRESHOLD: int(1, 1000).default(3),

  MAX_BODY_BYTES: int(1024, 6 * 1024 * 1024).default(1024 * 1024),

  PARTITION_MONTHS_AHEAD: int(1, 36).default(3),
  RETENTION_MONTHS: int(1, 120).default(12),
  // Prepended to archive keys in S3_ARCHIVE_BUCKET (e.g. one prefix per environment sharing a bucket).
  PARTITION_ARCHIVE_PREFIX: z.string().regex(/^([\w.-]+\/)*$/, { error: 'expected empty or path segments ending in /' }).default(''),

  HARSH_BRAKING_MPS2: num.default(-3),
  HARSH_ACCELERATION_MPS2: num.default(2.25),
  HARSH_CORNERING_MPS2: num.default(3.5),
  SPEED_LIMIT_KMH: num.default(120),

  // Risk scoring (issue 9). The model is a named version read from the layer (MODEL_DIR/<version>)
  // or from the S3 model store (S3_MODEL_BUCKET, MODEL_S3_PREFIX/<version>/), cached in MODEL_CACHE_DIR.
  MODEL_VERSION: z.string().regex(/^[\w.-]{1,64}$/, { error: 'expected a model version such as risk-lr-v1' }).default('risk-lr-v1'),
  MODEL_SOURCE: z.enum(['layer', 's3'], { error: 'expected layer or s3' }).default('layer'),
  MODEL_DIR: z.string().min(1).optional(),
  MODEL_S3_PREFIX: z.string().regex(/^[\w./-]+$/, { error: 'expected an S3 key prefix' }).default('models/risk'),
  MODEL_CACHE_DIR: z.string().min(1).default('/tmp/models'),
  SCORING_WINDOW_DAYS: int(7, 365).default(90),
  SCORING_BATCH_SIZE: int(1, 100_000).default(1000),

  // Real-time push (issue 11, lib/push): the API Gateway Management API of the WebSocket API
  // (serverless-offline serves it on its websocket port locally; deployed stages get the API's
  // https://<api>.execute-api.<region>.amazonaws.com/<stage> from serverless.yml).
  PUSH_ENDPOINT: url(['http:', 'https:']).default('http://localhost:3001'),
  // One PostToConnection, from its HTTP request on: a connection that takes longer is skipped for
  // this message (counted).
  PUSH_POST_TIMEOUT_MS: int(5, 30_000).default(1000),
  // One publish call as a whole: what it may add to its caller (an ingest batch, a scoring run).
  PUSH_PUBLISH_DEADLINE_MS: int(10, 60_000).default(2000),
  PUSH_CONCURRENCY: int(1, 1000).default(64),
  // Connection and subscription entries in Redis expire this long after the connection's last
  // message (API Gateway closes any connection after 2 hours).
  PUSH_CONNECTION_TTL_S: int(60, 86_400).default(7200),

  METRICS_NAMESPACE: z.string().min(1).default('Telematics'),
  // EMF lines on stdout are what CloudWatch reads in AWS; locally they only bury the logs, so off by default there.
  METRICS_EMF: boolean.optional(),
});

type ParsedEnv = z.output<typeof EnvSchema>;
export type Stage = ParsedEnv['STAGE'];

/** The typed configuration, shaped by `toConfig` below (one definition, no separate interface to drift). */
export type Config = ReturnType<typeof toConfig>;

/** Raised at cold start when the environment is unusable; lists every problem at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Parses and validates an environment; empty strings count as unset so `FOO=` falls back to the default. */
export function loadConfig(env: Env = process.env): Config {
  const relevant: Env = {};
  for (const key of Object.getOwnPropertyNames(EnvSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') relevant[key] = value.trim();
  }
  // S3_ENDPOINT='' is meaningful (use the AWS endpoint), so keep it when set explicitly.
  if (env.S3_ENDPOINT !== undefined && env.S3_ENDPOINT.trim() === '') relevant.S3_ENDPOINT = '';

  const parsed = EnvSchema.safeParse(relevant);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      const got = relevant[name];
      problems.push(`${name}: ${issue.message}${got === undefined ? '' : `, got "${redact(name, got)}"`}`);
    }
  }
  // The secret's rules depend on the stage, so they run beside the schema rather than after it: a
  // missing JWT_SECRET is reported together with every other bad variable. With an unreadable STAGE
  // only the length rule applies (STAGE's own problem is already listed).
  const stage = EnvSchema.shape.STAGE.safeParse(relevant.STAGE);
  const isLocal = stage.success && LOCAL_STAGES.has(stage.data);
  const jwtSecret = relevant.JWT_SECRET ?? (isLocal ? LOCAL_JWT_SECRET : undefined);
  const secretProblem = stage.success ? jwtSecretProblem(jwtSecret, stage.data, isLocal) : jwtSecret !== undefined && jwtSecretProblem(jwtSecret, 'local', true);
  if (secretProblem) problems.push(`JWT_SECRET: ${secretProblem}`);
  const sasl = parsed.success ? parsed.data : undefined;
  if (sasl?.KAFKA_SASL_MECHANISM !== undefined && sasl.KAFKA_SASL_MECHANISM !== 'aws-msk-iam' && (!sasl.KAFKA_SASL_USERNAME || !sasl.KAFKA_SASL_PASSWORD)) {
    problems.push(`KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: required when KAFKA_SASL_MECHANISM=${sasl.KAFKA_SASL_MECHANISM}`);
  }
  if (!parsed.success || problems.length > 0 || jwtSecret === undefined) throw new ConfigError(problems);

  return toConfig(parsed.data, jwtSecret, isLocal);
}

function jwtSecretProblem(secret: string | undefined, stage: Stage, isLocal: boolean): string | undefined {
  if (secret === undefined) return `required when STAGE=${stage}`;
  if (secret.length < 32) return 'expected at least 32 characters';
  if (!isLocal && secret === LOCAL_JWT_SECRET) return `the local development secret cannot be used when STAGE=${stage}`;
  return undefined;
}

function toConfig(e: ParsedEnv, jwtSecret: string, isLocal: boolean) {
  return {
    stage: e.STAGE,
    isLocal,
    serviceName: e.SERVICE_NAME,
    serviceVersion: e.SERVICE_VERSION,
    logLevel: e.LOG_LEVEL,
    db: {
      url: e.DATABASE_URL,
      poolMax: e.DB_POOL_MAX,
      idleTimeoutS: e.DB_IDLE_TIMEOUT_S,
      connectTimeoutS: e.DB_CONNECT_TIMEOUT_S,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      maxLifetimeS: e.DB_MAX_LIFETIME_S,
      prepare: e.DB_PREPARE,
    },
    redis: {
      url: e.REDIS_URL,
      connectTimeoutMs: e.REDIS_CONNECT_TIMEOUT_MS,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      maxRetries: e.REDIS_MAX_RETRIES,
    },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      topic: e.KAFKA_TOPIC,
      clientId: e.KAFKA_CLIENT_ID,
      consumerGroup: e.KAFKA_CONSUMER_GROUP,
      // MSK IAM authentication only runs over TLS.
      ssl: e.KAFKA_SSL || e.KAFKA_SASL_MECHANISM === 'aws-msk-iam',
      sasl: e.KAFKA_SASL_MECHANISM === undefined ? undefined : { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME ?? '', password: e.KAFKA_SASL_PASSWORD ?? '' },
    },
    s3: {
      region: e.AWS_REGION,
      endpoint: e.S3_ENDPOINT || undefined,
      modelBucket: e.S3_MODEL_BUCKET,
      archiveBucket: e.S3_ARCHIVE_BUCKET,
      // A local stage talking to LocalStack with no AWS credentials in the environment uses the
      // `test`/`test` pair LocalStack documents (it accepts any), so local runs need no AWS setup.
      // Every other case leaves credentials to the SDK's default provider chain.
      localStackCredentials: isLocal && e.S3_ENDPOINT !== '' && !e.AWS_ACCESS_KEY_ID,
    },
    auth: {
      jwtSecret,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      tokenTtlS: e.JWT_TTL_S,
      passwordMinLength: e.PASSWORD_MIN_LENGTH,
      userCacheTtlMs: e.AUTH_USER_CACHE_TTL_MS,
      loginThrottle: {
        windowS: e.LOGIN_THROTTLE_WINDOW_S,
        maxPerUsername: e.LOGIN_THROTTLE_MAX_PER_USERNAME,
        maxPerSource: e.LOGIN_THROTTLE_MAX_PER_SOURCE,
      },
    },
    cache: {
      enabled: e.CACHE_ENABLED,
      prefix: e.CACHE_PREFIX,
      l1MaxEntries: e.CACHE_L1_MAX_ENTRIES,
      lockTtlMs: e.CACHE_LOCK_TTL_MS,
      lockWaitMs: e.CACHE_LOCK_WAIT_MS,
      breakerCooldownMs: e.CACHE_BREAKER_COOLDOWN_MS,
      breakerThreshold: e.CACHE_BREAKER_THRESHOLD,
    },
    http: { maxBodyBytes: e.MAX_BODY_BYTES },
    partitions: { monthsAhead: e.PARTITION_MONTHS_AHEAD, retentionMonths: e.RETENTION_MONTHS, archivePrefix: e.PARTITION_ARCHIVE_PREFIX },
    harsh: {
      brakingMps2: e.HARSH_BRAKING_MPS2,
      accelerationMps2: e.HARSH_ACCELERATION_MPS2,
      corneringMps2: e.HARSH_CORNERING_MPS2,
      speedLimitKmh: e.SPEED_LIMIT_KMH,
    },
    scoring: {
      modelVersion: e.MODEL_VERSION,
      modelSource: e.MODEL_SOURCE,
      // Unset: the layer's /opt/models on Lambda, else the checked-in layers/deps/models (lib/scoring/model.ts).
      modelDir: e.MODEL_DIR,
      modelS3Prefix: e.MODEL_S3_PREFIX.replace(/\/+$/, ''),
      modelCacheDir: e.MODEL_CACHE_DIR,
      windowDays: e.SCORING_WINDOW_DAYS,
      batchSize: e.SCORING_BATCH_SIZE,
    },
    push: {
      endpoint: e.PUSH_ENDPOINT.replace(/\/+$/, ''),
      postTimeoutMs: e.PUSH_POST_TIMEOUT_MS,
      publishDeadlineMs: e.PUSH_PUBLISH_DEADLINE_MS,
      concurrency: e.PUSH_CONCURRENCY,
      connectionTtlS: e.PUSH_CONNECTION_TTL_S,
      // serverless-offline checks no signature: a local stage without AWS credentials signs with a
      // placeholder pair, as for LocalStack (see s3.localStackCredentials).
      localCredentials: isLocal && !e.AWS_ACCESS_KEY_ID,
    },
    metrics: { namespace: e.METRICS_NAMESPACE, emf: e.METRICS_EMF ?? !isLocal },
  };
}

function redact(name: string, value: string): string {
  if (/SECRET|PASSWORD|TOKEN/.test(name)) return '***';
  if (/_URL$/.test(name)) return redactUrl(value);
  return value;
}

/** A URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

let cached: Config | undefined;

/** The instance's configuration, validated on first use (cold start) and reused by warm invocations. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Tests and scripts that change the environment call this to re-read it. */
export function resetConfig(): void {
  cached = undefined;
}
