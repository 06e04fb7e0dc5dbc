/**
 * npm run invoke -- <function> [--event '<json>' | --event-file path] [--stage local] [--port 3002]
 *
 * Invokes one function of the running `npm run dev` (serverless-offline) through its Lambda
 * Invoke API, as the AWS SDK would, and prints the result. Scheduled functions get an EventBridge
 * scheduled event unless --event says otherwise. Exits 1 when the function fails.
 *
 *   npm run invoke -- score-drivers
 *   npm run invoke -- ingest --event-file events/kafka-batch.json
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { scheduledEvent } from './lib/events.js';

const SCHEDULED = new Set(['collect-metrics', 'maintain-partitions', 'score-drivers']);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    event: { type: 'string' },
    'event-file': { type: 'string' },
    stage: { type: 'string', default: 'local' },
    port: { type: 'string', default: '3002' },
  },
});

const fn = positionals[0];
if (!fn) {
  console.error('usage: npm run invoke -- <function> [--event <json> | --event-file <path>] [--stage local] [--port 3002]');
  process.exit(2);
}

let event: unknown = SCHEDULED.has(fn) ? scheduledEvent(fn) : {};
if (values['event-file']) event = JSON.parse(await readFile(values['event-file'], 'utf8'));
if (values.event) event = JSON.parse(values.event);

const url = `http://localhost:${values.port}/2015-03-31/functions/telematics-${values.stage}-${fn}/invocations`;
let response: Response;
try {
  response = await fetch(url, { method: 'POST', body: JSON.stringify(event) });
} catch (error) {
  console.error(`cannot reach ${url}: is 'npm run dev' running? (${(error as Error).message})`);
  process.exit(1);
}

const payload = await response.text();
const failed = response.status !== 200 || response.headers.has('x-amz-function-error');
const pretty = (() => {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
})();
if (failed) {
  console.error(pretty);
  process.exitCode = 1;
} else {
  console.log(pretty);
}
