/**
 * The training set of the risk model: seeds (once) the training dataset into its own database,
 * then writes every active driver's features, computed by the product's own feature SQL
 * (lib/scoring, so training and scoring read the same numbers) over the 90 days that end where the
 * dataset ends, with the driver's label from the training schema (number of claims in the year).
 * Run by scripts/train/train.sh (npm run train).
 *
 *   tsx scripts/train/dataset.ts --out scripts/train/data/drivers.csv [--no-seed]
 *   TRAINING_DATABASE_URL picks the database (default: telematics_training on the local server).
 *
 * The training window is 40 days (features are per day and per 100 km, so a model trained on 40
 * days reads the product's 90-day window). Trips of a day depend only on the seed, the driver and
 * the day, not on the dataset's end or length, so --no-seed can read them from any database seeded
 * with seed 42 and at least 10,000 drivers that covers 2026-08-03 to 2026-09-12 (e.g. the
 * benchmark's), with the same result.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getConfig, resetConfig } from '../../lib/config/index.js';
import { closeDb, getDb } from '../../lib/db/index.js';
import type { DatasetShape } from '../../lib/seed/index.js';
import { FEATURE_NAMES } from '../../lib/scoring/features.js';
import { listDriverFeatures } from '../../lib/scoring/queries.js';
import { ensureTripsDataset } from '../lib/trips-dataset.js';

/** The model's training data: fixed, so the same command gives the same model. */
export const TRAINING_DATASET: DatasetShape = { drivers: 10_000, days: 40, seed: 42, end: new Date('2026-09-12T00:00:00Z'), sampleIntervalS: 5 };
const WINDOW_DAYS = TRAINING_DATASET.days;

const { values } = parseArgs({ options: { out: { type: 'string' }, 'no-seed': { type: 'boolean', default: false } } });
if (!values.out) throw new Error('--out: the CSV file to write is required');

const url = process.env.TRAINING_DATABASE_URL ?? databaseOnServer(getConfig().db.url, 'telematics_training');
const state = values['no-seed'] ? 'read as it is (--no-seed)' : await ensureTripsDataset(url, TRAINING_DATASET, (line) => console.log(line));
console.log(`training dataset in ${new URL(url).pathname.slice(1)}: ${state}`);
process.env.DATABASE_URL = url;
resetConfig();
try {
  const sql = getDb();
  const end = TRAINING_DATASET.end.toISOString();
  const rows = (await listDriverFeatures({ end, days: WINDOW_DAYS })).filter((r) => r.driver_id <= TRAINING_DATASET.drivers);
  const claims = new Map(
    (await sql<{ driver_id: number; claims: number }[]>`SELECT driver_id, count(*)::int AS claims FROM training.claims WHERE driver_id <= ${TRAINING_DATASET.drivers} GROUP BY driver_id`).map((r) => [r.driver_id, r.claims]),
  );
  const d = TRAINING_DATASET;
  const lines = [
    `# dataset seed=${d.seed} drivers=${d.drivers} days=${d.days} end=${end} trips_only window_days=${WINDOW_DAYS}`,
    ['driver_id', ...FEATURE_NAMES, 'claims'].join(','),
    // Twelve significant digits: the SQL's parallel sums may differ in the last bits from run to run,
    // and the training set must not.
    ...rows.map((r) => [r.driver_id, ...FEATURE_NAMES.map((f) => Number(Number(r[f]).toPrecision(12))), claims.get(r.driver_id) ?? 0].join(',')),
  ];
  writeFileSync(values.out, `${lines.join('\n')}\n`);
  console.log(`wrote ${rows.length} drivers to ${values.out}`);
} finally {
  await closeDb();
}

function databaseOnServer(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
