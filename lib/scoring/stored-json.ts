/**
 * A JSON value as PostgreSQL's jsonb gives it back: jsonb keeps an object's keys in its own order
 * (shorter keys first, then byte order of their UTF-8; the last of duplicate keys wins), so the
 * same object read from a jsonb column serialises with its keys in that order. The scoring run
 * builds the rows it warms the caches with from what it wrote, instead of reading the written
 * JSON back; this gives them the key order the routes' own reads have, so a warmed entry is byte
 * for byte the entry a route would store. Numbers and strings are unchanged (the run writes numbers
 * already rounded, whose shortest decimal form jsonb keeps digit for digit).
 */
export function asStoredJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(asStoredJson) as T;
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of jsonbKeyOrder(Object.keys(object))) {
    const v = object[key];
    if (v !== undefined) out[key] = asStoredJson(v);
  }
  return out as T;
}

/** Key orders already worked out, by the object's keys as given: the run's objects have few shapes. */
const orders = new Map<string, readonly string[]>();

function jsonbKeyOrder(keys: readonly string[]): readonly string[] {
  const signature = keys.join('\u0000');
  let order = orders.get(signature);
  if (!order) {
    const bytes = new Map(keys.map((key) => [key, Buffer.from(key, 'utf8')]));
    order = [...keys].sort((a, b) => {
      const x = bytes.get(a) as Buffer;
      const y = bytes.get(b) as Buffer;
      return x.length - y.length || Buffer.compare(x, y);
    });
    if (orders.size < 1000) orders.set(signature, order);
  }
  return order;
}
