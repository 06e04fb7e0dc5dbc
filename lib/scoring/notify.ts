import { getLogger } from '../logger/index.js';
import { driverTopic, FLEET_TOPIC, publishMany, type Publication } from '../push/index.js';
import { riskBandOf } from '../vocabulary/index.js';
import type { ScoreChange } from './changes.js';
import type { ScoreWrite } from './queries.js';
import type { ScoringReport } from './report.js';

/**
 * What a scoring run tells the live console (lib/push), once its rows are written: `risk.changed`
 * on `driver:<id>` for each driver whose score changed, `premium.changed` for each whose premium
 * amount changed, and one `scoring.completed` on `fleet`. Never fails the run.
 */
export async function notifyScored(report: ScoringReport, rows: readonly ScoreWrite[], changes: readonly ScoreChange[]): Promise<void> {
  try {
    const publications: Publication[] = [];
    rows.forEach((row, i) => {
      const change = changes[i];
      if (!change) return;
      if (change.score) {
        publications.push({
          topic: driverTopic(row.driver_id),
          type: 'risk.changed',
          data: { driverId: row.driver_id, score: row.score, band: riskBandOf(row.score), previousScore: change.previousScore, run: report.run },
        });
      }
      if (change.premium && row.premium) {
        publications.push({
          topic: driverTopic(row.driver_id),
          type: 'premium.changed',
          data: { driverId: row.driver_id, policyId: row.premium.policy_id, amount: row.premium.final_amount, previousAmount: change.previousAmount, run: report.run },
        });
      }
    });
    publications.push({
      topic: FLEET_TOPIC,
      type: 'scoring.completed',
      data: { run: report.run, modelVersion: report.modelVersion, drivers: report.drivers, premiums: report.premiums, changed: report.changed, durationMs: Math.round(report.timings.totalMs) },
    });
    await publishMany(publications);
  } catch (error) {
    getLogger().warn('push: notifying a scoring run failed', { error });
  }
}
