// Lambda refuses a function whose code plus all its layers exceed 250 MB unzipped; that would
// only show at deploy time, so packaging checks it and names what takes the room.
import { zipEntries } from './zip.mjs';

/** Lambda's quota: deployment package and layers together, unzipped. */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;

/**
 * @typedef {{ name: string, bytes: number }} Sized
 * @typedef {Sized & { largest: Sized[] }} Part  a function zip or a layer, with its largest contents
 */

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** What an entry belongs to: its package under node_modules (nested ones included), else its top folder. */
function owner(entryName) {
  const match = /^(.*node_modules\/(@[^/]+\/)?[^/]+)\//.exec(entryName);
  return match ? match[1].replace(/^nodejs\//, '') : entryName.split('/')[0];
}

/**
 * One archive as a part of a function: unzipped bytes and its largest packages or files.
 * @param {string} file @param {string} name @returns {Promise<Part>}
 */
export async function archivePart(file, name) {
  /** @type {Map<string, number>} */
  const byOwner = new Map();
  let bytes = 0;
  for (const entry of await zipEntries(file)) {
    bytes += entry.size;
    byOwner.set(owner(entry.name), (byOwner.get(owner(entry.name)) ?? 0) + entry.size);
  }
  const largest = [...byOwner].map(([owned, size]) => ({ name: owned, bytes: size })).sort((a, b) => b.bytes - a.bytes).slice(0, 3);
  return { name, bytes, largest };
}

/**
 * Throws, naming the largest parts, when a function with its layers is over the limit.
 * @param {{ name: string, parts: Part[] }[]} functions @param {number} [limit]
 * @returns {{ name: string, bytes: number }[]} every function's unzipped total
 */
export function checkUnzippedSizes(functions, limit = LAMBDA_UNZIPPED_LIMIT_BYTES) {
  const totals = functions.map((fn) => ({ ...fn, bytes: fn.parts.reduce((sum, part) => sum + part.bytes, 0) }));
  const over = totals.filter((fn) => fn.bytes > limit);
  if (over.length > 0) {
    const lines = over.map((fn) => {
      const parts = [...fn.parts]
        .sort((a, b) => b.bytes - a.bytes)
        .map((part) => `${part.name} ${mb(part.bytes)} (largest: ${part.largest.map((item) => `${item.name} ${mb(item.bytes)}`).join(', ')})`);
      return `  ${fn.name}: ${mb(fn.bytes)} unzipped with its layers; ${parts.join('; ')}`;
    });
    throw new Error(`Over Lambda's ${mb(limit)} unzipped limit (function plus layers):\n${lines.join('\n')}`);
  }
  return totals.map(({ name, bytes }) => ({ name, bytes }));
}
