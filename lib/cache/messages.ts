/**
 * Messages on the cache bus (one Redis pub/sub channel per prefix), as compact text:
 *
 *   <instance id>|k|<cache name>|<key>   the key's value changed or was deleted: drop it from L1
 *   <instance id>|K|<cache name>|<JSON array>   several keys' values changed at once (a warm of
 *                                        thousands after a scoring run): drop them all from L1
 *   <instance id>|g|<group>              the group's version was bumped: drop its entries from L1
 *   <instance id>|G|<JSON array>         several groups' versions were bumped at once (an ingest
 *                                        batch outdates thousands): drop all their entries
 *   <instance id>|r|<cache name>|<key>   a loader stored the key's value: instances waiting for
 *                                        the stampede lock may read it now
 *   <instance id>|C|<JSON array>         these caches were emptied (the data behind them was
 *                                        replaced, e.g. a reseed): drop all their L1 entries
 *
 * The instance id lets a receiver skip its own messages (it already acted before publishing).
 * Keys and groups may contain `|`: they are always the last field; a list of groups is JSON, so a
 * group may contain any character, and so may a key in a list. One group goes as `g` and one key
 * as `k`, which are shorter and which instances running an older version understand.
 */

export type BusMessage =
  | { origin: string; kind: 'key'; cache: string; key: string }
  | { origin: string; kind: 'keys'; cache: string; keys: string[] }
  | { origin: string; kind: 'groups'; groups: string[] }
  | { origin: string; kind: 'ready'; cache: string; key: string }
  | { origin: string; kind: 'cleared'; caches: string[] };

const KIND_CODES = { key: 'k', ready: 'r' } as const;

export function encodeKeyMessage(origin: string, kind: 'key' | 'ready', cache: string, key: string): string {
  return `${origin}|${KIND_CODES[kind]}|${cache}|${key}`;
}

/** One message for any number of keys (at least one) of one cache. */
export function encodeKeysMessage(origin: string, cache: string, keys: readonly string[]): string {
  if (keys.length === 0) throw new RangeError('a key invalidation message needs at least one key');
  return keys.length === 1 ? encodeKeyMessage(origin, 'key', cache, keys[0] as string) : `${origin}|K|${cache}|${JSON.stringify(keys)}`;
}

/** One message for any number of groups (at least one). */
export function encodeGroupsMessage(origin: string, groups: readonly string[]): string {
  if (groups.length === 0) throw new RangeError('a group invalidation message needs at least one group');
  return groups.length === 1 ? `${origin}|g|${groups[0]}` : `${origin}|G|${JSON.stringify(groups)}`;
}

/** Several caches emptied at once (at least one). */
export function encodeClearedMessage(origin: string, caches: readonly string[]): string {
  if (caches.length === 0) throw new RangeError('a cleared-caches message needs at least one cache');
  return `${origin}|C|${JSON.stringify(caches)}`;
}

function decodeNameList(text: string): string[] | undefined {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(list) || list.length === 0 || !list.every((group) => typeof group === 'string' && group !== '')) return undefined;
  return list as string[];
}

export function decodeMessage(text: string): BusMessage | undefined {
  const originEnd = text.indexOf('|');
  if (originEnd <= 0 || text[originEnd + 2] !== '|') return undefined;
  const origin = text.slice(0, originEnd);
  const code = text[originEnd + 1];
  const rest = text.slice(originEnd + 3);
  if (code === 'g') return rest ? { origin, kind: 'groups', groups: [rest] } : undefined;
  if (code === 'G') {
    const groups = decodeNameList(rest);
    return groups ? { origin, kind: 'groups', groups } : undefined;
  }
  if (code === 'C') {
    const caches = decodeNameList(rest);
    return caches ? { origin, kind: 'cleared', caches } : undefined;
  }
  if (code !== 'k' && code !== 'r' && code !== 'K') return undefined;
  const nameEnd = rest.indexOf('|');
  if (nameEnd <= 0) return undefined;
  const cache = rest.slice(0, nameEnd);
  const key = rest.slice(nameEnd + 1);
  if (code === 'K') {
    const keys = decodeNameList(key);
    return keys ? { origin, kind: 'keys', cache, keys } : undefined;
  }
  return { origin, kind: code === 'k' ? 'key' : 'ready', cache, key };
}
