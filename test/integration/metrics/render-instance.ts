/**
 * Another function instance for collect.test.ts: renders GET /metrics' text from its own process
 * (its own registry, Redis connection and instance id) and prints it.
 */
import { renderFleetMetrics } from '../../../lib/metrics/fleet.js';
import { closeRedis } from '../../../lib/redis/index.js';

process.stdout.write(await renderFleetMetrics());
await closeRedis();
