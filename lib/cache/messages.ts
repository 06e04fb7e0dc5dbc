/**
 * Messages on the cache bus (one Redis pub/sub channel per prefix), as compact text:
 *
 *   <instance id>|k|<cache name>|<key>   the key's value changed or was deleted: drop it from L1
 *   <instance id>|g|<group>              the group's version was bumped: drop its entries from L1
 *   <instance id>|r|<cache name>|<key>   a loader stored the key's value: instances waiting for
 *                                        the stampede lock may read it now
 *
 * The instance id lets a receiver skip its own messages (it already acted before publishing).
 * Keys and groups may contain `|`: they are always the last field.
 */

export type BusMessage =
  | { origin: string; kind: 'key'; cache: string; key: string }
  | { origin: string; kind: 'group'; group: string }
  | { origin: string; kind: 'ready'; cache: string; key: string };

const KIND_CODES = { key: 'k', group: 'g', ready: 'r' } as const;

export function encodeKeyMessage(origin: string, kind: 'key' | 'ready', cache: string, key: string): string {
  return `${origin}|${KIND_CODES[kind]}|${cache}|${key}`;
}

export function encodeGroupMessage(origin: string, group: string): string {
  return `${origin}|g|${group}`;
}

export function decodeMessage(text: string): BusMessage | undefined {
  const originEnd = text.indexOf('|');
  if (originEnd <= 0 || text[originEnd + 2] !== '|') return undefined;
  const origin = text.slice(0, originEnd);
  const code = text[originEnd + 1];
  const rest = text.slice(originEnd + 3);
  if (code === 'g') return rest ? { origin, kind: 'group', group: rest } : undefined;
  if (code !== 'k' && code !== 'r') return undefined;
  const nameEnd = rest.indexOf('|');
  if (nameEnd <= 0) return undefined;
  const cache = rest.slice(0, nameEnd);
  const key = rest.slice(nameEnd + 1);
  return { origin, kind: code === 'k' ? 'key' : 'ready', cache, key };
}
