/**
 * npm run bridge: the local Kafka event source for the ingest function (serverless-offline ignores
 * `kafka`/`msk` events). Reads the topic with the consumer group, batch size, batching window,
 * starting position and error handling of serverless.yml (custom.ingest) and invokes
 * functions/ingest/handler.ts in-process with the exact Lambda event (see lib/ingest/bridge.ts).
 * SIGTERM / SIGINT: the batch in progress finishes, nothing unfinished is committed.
 */
import { randomUUID } from 'node:crypto';
import { handler } from '../functions/ingest/handler.js';
import { getConfig } from '../lib/config/index.js';
import { closeDb } from '../lib/db/index.js';
import { EventSourceBridge } from '../lib/ingest/bridge.js';
import { createKafka } from '../lib/kafka/index.js';
import { getLogger } from '../lib/logger/index.js';
import { readIngestSettings } from './lib/ingest-settings.js';

const settings = readIngestSettings();
const config = getConfig();
const topic = process.env.INGEST_TOPIC || settings.topic;
const groupId = process.env.INGEST_GROUP_ID || settings.consumerGroupId;
const functionName = `${config.serviceName}-${config.stage}-ingest`;

const context = () => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${config.s3.region}:000000000000:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'bridge',
  getRemainingTimeInMillis: () => settings.timeoutS * 1000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

const bridge = new EventSourceBridge({
  kafka: createKafka({ clientId: `${config.kafka.clientId}-bridge`, retries: 20 }),
  topic,
  groupId,
  batchSize: settings.batchSize,
  batchingWindowMs: settings.maximumBatchingWindow * 1000,
  fromBeginning: settings.startingPosition === 'TRIM_HORIZON',
  maximumRetryAttempts: settings.maximumRetryAttempts,
  bisectBatchOnFunctionError: settings.bisectBatchOnFunctionError,
  reportBatchItemFailures: settings.functionResponseTypes.includes('ReportBatchItemFailures'),
  onFailureTopic: process.env.INGEST_FAILURE_TOPIC || settings.onFailureTopic,
  bootstrapServers: config.kafka.brokers,
  concurrency: Number(process.env.INGEST_CONCURRENCY || 1),
  invoke: (event) => handler(event, context()),
});

let lastReport = 0;
const started = Date.now();
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  getLogger().info('bridge stopping', { signal });
  await bridge.stop();
  await closeDb();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await bridge.start();
console.log(`bridge: ${topic} (group ${groupId}, batch ${settings.batchSize}, window ${settings.maximumBatchingWindow}s) -> ${functionName}, in-process`);
// The lag, every 10 s, and once it reaches 0 after being behind.
setInterval(() => {
  const lag = bridge.lastLag;
  if (lag === undefined) return;
  if (Date.now() - lastReport >= 10_000) {
    lastReport = Date.now();
    console.log(`bridge: lag ${lag} (max ${bridge.maxLag}) after ${Math.round((Date.now() - started) / 1000)} s`);
  }
}, 1000).unref();
