/**
 * Writes the risk model's training set: every active driver's features, computed by the product's
 * own feature SQL (lib/scoring, so training and scoring read the same numbers) over the window that
 * ends where the seeded dataset ends, with its label from the training schema (any claim in the
 * year). Reads the database at DATABASE_URL; run by scripts/train/train.sh (npm run train).
 *
 *   tsx scripts/train/export-dataset.ts --out scripts/train/data/drivers.csv [--window-days 90]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closeDb, getDb } from '../../lib/db/index.js';
import { FEATURE_NAMES } from '../../lib/scoring/features.js';
import { listDriverFeatures } from '../../lib/scoring/queries.js';

const { values } = parseArgs({ options: { out: { type: 'string' }, 'window-days': { type: 'string', default: '90' } } });
if (!values.out) throw new Error('--out: the CSV file to write is required');
const windowDays = Number(values['window-days']);

try {
  const sql = getDb();
  const [dataset] = await sql<{ seed: number; drivers: number; days: number; end_at: string }[]>`
    SELECT seed, drivers, days, to_char(end_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS end_at
    FROM training.synthetic_datasets ORDER BY id DESC LIMIT 1`;
  if (!dataset) throw new Error('no synthetic dataset in this database: seed one first (npm run seed)');
  if (dataset.days < windowDays) throw new Error(`the dataset covers ${dataset.days} days, fewer than the ${windowDays}-day window`);

  const rows = await listDriverFeatures({ end: dataset.end_at, days: windowDays });
  const claims = new Map(
    (await sql<{ driver_id: number; claims: number }[]>`SELECT driver_id, count(*)::int AS claims FROM training.claims GROUP BY driver_id`).map(
      (r) => [r.driver_id, r.claims],
    ),
  );
  const lines = [
    `# dataset seed=${dataset.seed} drivers=${dataset.drivers} days=${dataset.days} end=${dataset.end_at} window_days=${windowDays}`,
    ['driver_id', ...FEATURE_NAMES, 'claims'].join(','),
    // Numbers are written with JavaScript's shortest round-trip form, so the CSV is exact and stable.
    ...rows.map((r) => [r.driver_id, ...FEATURE_NAMES.map((f) => Number(r[f])), claims.get(r.driver_id) ?? 0].join(',')),
  ];
  writeFileSync(values.out, `${lines.join('\n')}\n`);
  console.log(`wrote ${rows.length} drivers (${[...claims.values()].length} with claims) to ${values.out}`);
} finally {
  await closeDb();
}
