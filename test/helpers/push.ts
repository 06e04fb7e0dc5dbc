import { pushKeys } from '../../lib/push/keys.js';

/** Every Redis key of a connection (and of the given topics' sets), for tests that check a connection was cleaned up. */
export function connectionKeys(id: string, topics: readonly string[] = []): string[] {
  const k = pushKeys();
  return [k.connection(id), k.topicsOf(id), ...topics.map(k.topic)];
}
