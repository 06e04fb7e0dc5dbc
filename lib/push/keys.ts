import { keySpace } from '../redis/index.js';

/**
 * Every Redis key of the push layer, under P = `<CACHE_PREFIX>:push`:
 *
 *   P:conn:<id>           who the connection is (JSON: user, role, driver), set at $connect
 *   P:conn:<id>:topics    set of the connection's topics
 *   P:topic:<topic>       set of the connections subscribed to the topic: what a publisher reads
 *   P:fleet-counters      the fleet's ingestion counters waiting for their next message (counters.ts)
 */
export function pushKeys() {
  const base = keySpace('push');
  return {
    connection: (id: string) => `${base}:conn:${id}`,
    topicsOf: (id: string) => `${base}:conn:${id}:topics`,
    topic: (topic: string) => `${base}:topic:${topic}`,
    fleetCounters: `${base}:fleet-counters`,
  };
}
