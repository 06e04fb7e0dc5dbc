import type { RiskModel } from './model.js';

/** What a scoring run is asked to do, and what it reports (service.ts runs it, notify.ts and the handler read the report). */

export interface ScoringRequest {
  /** Score only these drivers (on demand); every active driver when absent. */
  driverIds?: readonly number[] | undefined;
  /** When the run happens (a schedule's time); the run's hour is this, truncated. Default: now. */
  at?: Date | undefined;
}

export interface ScoringReport {
  /** The run's hour, ISO. */
  run: string;
  modelVersion: string;
  /** Where the instance's model came from and how long loading it took (its cold start), ms. */
  modelSource: RiskModel['source'];
  modelLoadMs: number;
  windowDays: number;
  /** Drivers scored (active, with a finished trip in the window). */
  drivers: number;
  premiums: number;
  /** Drivers whose score or premium differs from their previous one; their caches were refreshed. */
  changed: number;
  timings: {
    /** Model load in this invocation (0 when the instance had it already). */
    modelLoadMs: number;
    featuresMs: number;
    inferenceMs: number;
    /** Inference time of each batch, in order. */
    batchMs: number[];
    writesMs: number;
    /** The parts of writesMs spent staging the rows (COPY into a temporary table, its statistics) and in the statement writing both tables. */
    writeStageMs: number;
    writeStatementMs: number;
    cacheMs: number;
    /** The part of cacheMs spent outdating groups, and storing the warmed entries. */
    cacheInvalidateMs: number;
    cacheWarmMs: number;
    /** Pushing the changed scores and premiums to their subscribers (lib/push), bounded by its deadline. */
    notifyMs: number;
    totalMs: number;
  };
  /** Shares of the run's scores per tenth of the scale, and their PSI against training (full runs only). */
  scoreDistribution: number[];
  psi: number | null;
}
