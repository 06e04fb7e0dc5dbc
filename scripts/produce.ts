/**
 * npm run produce [-- --rate 20000 --duration 60 --drivers 1000 --duplicates 0.05 --poison 0.01]
 *
 * Streams synthetic telematics to the ingest topic at a target rate (0: as fast as Kafka takes
 * them), keyed by vehicle, with a live progress line. Drivers come from the seeded dataset of
 * DATABASE_URL (its seed and driver count); --drivers above that count is capped, since events of
 * drivers the database does not know are dead letters.
 */
import { parseArgs } from 'node:util';
import { getConfig } from '../lib/config/index.js';
import { closeDb, timedQuery } from '../lib/db/index.js';
import { produceTelematics } from '../lib/ingest/producer.js';
import { createKafka } from '../lib/kafka/index.js';
import { readIngestSettings } from './lib/ingest-settings.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '10' },
    events: { type: 'string', default: '0' },
    drivers: { type: 'string', default: '1000' },
    duplicates: { type: 'string', default: '0' },
    poison: { type: 'string', default: '0' },
    topic: { type: 'string' },
    'run-seed': { type: 'string' },
  },
});

function number(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name}: expected a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

try {
  const rate = number('rate', values.rate, 0, 1_000_000);
  const durationS = number('duration', values.duration, 0, 86_400);
  const maxEvents = number('events', values.events, 0, 1e9);
  let drivers = number('drivers', values.drivers, 1, 1_000_000);
  const topic = values.topic ?? readIngestSettings().topic;
  const [dataset] = await timedQuery('produce.dataset', (sql) => sql<{ seed: number; drivers: number }[]>`
    SELECT d.seed, least(d.drivers, (SELECT count(*) FROM drivers))::int AS drivers FROM training.synthetic_datasets d ORDER BY d.id DESC LIMIT 1`);
  await closeDb();
  if (!dataset) throw new Error('the database has no seeded dataset: run npm run seed first');
  if (drivers > dataset.drivers) {
    console.error(`produce: the database has ${dataset.drivers} seeded drivers; producing for ${dataset.drivers}, not ${drivers}`);
    drivers = dataset.drivers;
  }
  console.error(`produce: ${rate || 'unlimited'} events/s for ${durationS || 'unlimited'} s, ${drivers} drivers -> ${topic} (${getConfig().kafka.brokers.join(',')})`);
  const tty = process.stderr.isTTY;
  const summary = await produceTelematics({
    kafka: createKafka({ clientId: `${getConfig().kafka.clientId}-producer`, retries: 10 }),
    topic,
    rate,
    durationS,
    maxEvents,
    drivers,
    datasetSeed: dataset.seed,
    ...(values['run-seed'] ? { runSeed: number('run-seed', values['run-seed'], 0, 2 ** 31) } : {}),
    duplicateShare: number('duplicates', values.duplicates, 0, 0.5),
    poisonShare: number('poison', values.poison, 0, 0.5),
    onProgress: (p) => {
      const line = `sent ${p.sent} | ${p.rate} events/s | ${p.duplicates} duplicates | ${p.poison} poison | errors ${p.errors}`;
      if (tty) process.stderr.write(`\r${line}   `);
      else console.error(line);
    },
  });
  if (tty) process.stderr.write('\n');
  console.log(
    `produced ${summary.sent} records in ${summary.seconds.toFixed(1)} s (${summary.rate} records/s): ${summary.unique} events, ` +
      `${summary.duplicates} duplicates, ${summary.poison} poison, ${summary.errors} errors`,
  );
  process.exit(summary.errors > 0 ? 1 : 0);
} catch (error) {
  console.error(`produce: ${(error as Error).message}`);
  process.exit(1);
}
