// Reads the zip archives `serverless package` writes (function artifacts and layers): their entries
// with sizes, and extraction. Enough of the format for those archives (no zip64, no encryption);
// the size guard, the packaging tests and bench:package use it, so none of them needs unzip(1).
import { Buffer } from 'node:buffer';
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/**
 * @typedef {{ name: string, size: number, compressedSize: number, method: number, offset: number }} ZipEntry
 */

/** @param {Buffer} archive @returns {ZipEntry[]} the file entries (directories left out) */
function centralDirectory(archive) {
  let end = archive.length - 22;
  while (end >= 0 && archive.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end -= 1;
  if (end < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  /** @type {ZipEntry[]} */
  const entries = [];
  for (let index = 0; index < count; index += 1) {
    if (archive.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new Error(`corrupt central directory at byte ${at}`);
    const nameLength = archive.readUInt16LE(at + 28);
    const name = archive.toString('utf8', at + 46, at + 46 + nameLength);
    if (!name.endsWith('/')) {
      entries.push({
        name,
        method: archive.readUInt16LE(at + 10),
        compressedSize: archive.readUInt32LE(at + 20),
        size: archive.readUInt32LE(at + 24),
        offset: archive.readUInt32LE(at + 42),
      });
    }
    at += 46 + nameLength + archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32);
  }
  return entries;
}

/** @param {string} file @returns {Promise<Buffer>} */
async function readWhole(file) {
  const handle = await open(file);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** @param {string} file @returns {Promise<ZipEntry[]>} every file in the archive with its unzipped size */
export async function zipEntries(file) {
  return centralDirectory(await readWhole(file));
}

/** @param {Buffer} archive @param {ZipEntry} entry @returns {Buffer} */
function entryContent(archive, entry) {
  if (archive.readUInt32LE(entry.offset) !== LOCAL_FILE_HEADER) throw new Error(`corrupt local header for ${entry.name}`);
  const start = entry.offset + 30 + archive.readUInt16LE(entry.offset + 26) + archive.readUInt16LE(entry.offset + 28);
  const data = archive.subarray(start, start + entry.compressedSize);
  if (entry.method === STORED) return Buffer.from(data);
  if (entry.method === DEFLATED) return inflateRawSync(data);
  throw new Error(`${entry.name}: unsupported compression method ${entry.method}`);
}

/** @param {string} file @param {string} name @returns {Promise<string>} one entry's content as UTF-8 text */
export async function readZipText(file, name) {
  const archive = await readWhole(file);
  const entry = centralDirectory(archive).find((candidate) => candidate.name === name);
  if (entry === undefined) throw new Error(`${file} has no entry ${name}`);
  return entryContent(archive, entry).toString('utf8');
}

/** @param {string} file @param {string} into Extracts every file of the archive under `into`. */
export async function extractZip(file, into) {
  const archive = await readWhole(file);
  for (const entry of centralDirectory(archive)) {
    const target = path.resolve(into, entry.name);
    if (!target.startsWith(path.resolve(into) + path.sep)) throw new Error(`${file}: entry ${entry.name} escapes the target folder`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, entryContent(archive, entry));
  }
}
