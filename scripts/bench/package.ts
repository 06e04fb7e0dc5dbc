/**
 * `npm run bench:package`: the layered packaging against the bundled one, measured in one run.
 *
 *   upload     bytes of every zip `serverless package` writes (functions and layers)
 *   largest    the largest function zip; the layer sizes, zipped and unzipped
 *   init       import time of a packaged handler in a fresh Node process, loaded as the Lambda
 *              runtime loads it (function zip as /var/task, its layers as /opt, source maps on;
 *              scripts/serverless/lambda-load.mjs), median of RUNS per handler: an HTTP function
 *              (health, which reaches every client) and ingest. Runs of both modes alternate, so
 *              machine noise hits both alike. Files are read from the page cache after the first
 *              (uncounted) run; a real cold start reads them from the layer mount as well.
 *
 * Ends with one line (init = the slower of the two handlers' medians):
 *   package layered_total_mb=N bundled_total_mb=N layered_fn_max_kb=N layered_init_ms=N bundled_init_ms=N
 * Targets: every layered function zip under 100 KB; layered init within 20 % of bundled.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPackagedHandler, packageService, PACKAGING_MODES, readPackage, type PackagedService, type PackagingMode } from '../lib/packaging.js';
import { zipEntries } from '../serverless/zip.mjs';

const RUNS = 20;
const HANDLERS = ['health', 'ingest'] as const;
const MB = 1024 * 1024;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};
const bytesOf = async (file: string) => (await stat(file)).size;
const unzippedOf = async (file: string) => (await zipEntries(file)).reduce((sum, entry) => sum + entry.size, 0);

interface Sizes {
  totalBytes: number;
  largest: { name: string; bytes: number };
  functionsOver100Kb: number;
  layers: Array<{ name: string; bytes: number; unzipped: number }>;
}

async function sizes(service: PackagedService): Promise<Sizes> {
  const functions = await Promise.all([...service.functions.values()].map(async (fn) => ({ name: fn.name, bytes: await bytesOf(fn.zip) })));
  const layers = await Promise.all([...service.layers].map(async ([name, zip]) => ({ name, bytes: await bytesOf(zip), unzipped: await unzippedOf(zip) })));
  const largest = functions.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return {
    totalBytes: [...functions, ...layers].reduce((sum, item) => sum + item.bytes, 0),
    largest,
    functionsOver100Kb: functions.filter((fn) => fn.bytes >= 100 * 1024).length,
    layers,
  };
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'telematics-bench-package-'));
  try {
    const services = new Map<PackagingMode, PackagedService>();
    for (const mode of PACKAGING_MODES) {
      console.log(`packaging (${mode}) ...`);
      const outDir = path.join(work, `package-${mode}`);
      const result = await packageService(mode, outDir);
      if (result.code !== 0) throw new Error(`serverless package (${mode}) failed:\n${result.output}`);
      services.set(mode, await readPackage(outDir));
    }
    const service = (mode: PackagingMode) => services.get(mode) as PackagedService;

    const measured = new Map<PackagingMode, Sizes>();
    for (const mode of PACKAGING_MODES) {
      const figures = await sizes(service(mode));
      measured.set(mode, figures);
      const layers = figures.layers.map((layer) => `${layer.name} ${(layer.bytes / MB).toFixed(2)} MB (${(layer.unzipped / MB).toFixed(1)} MB unzipped)`).join(', ');
      console.log(
        `${mode.padEnd(8)} upload ${(figures.totalBytes / MB).toFixed(2)} MB in ${service(mode).functions.size} functions + ${figures.layers.length} layers; ` +
          `largest function ${figures.largest.name} ${(figures.largest.bytes / 1024).toFixed(1)} KB; layers: ${layers}`,
      );
    }

    const samples = new Map<string, number[]>();
    const cpuSamples = new Map<string, number[]>();
    const key = (mode: PackagingMode, handler: string) => `${mode}/${handler}`;
    for (let run = 0; run <= RUNS; run += 1) {
      for (const handler of HANDLERS) {
        for (const mode of PACKAGING_MODES) {
          const fn = service(mode).functions.get(handler);
          if (fn === undefined) throw new Error(`no packaged function ${handler}`);
          const loaded = await loadPackagedHandler(service(mode), fn, path.join(work, `lambda-${mode}`));
          // Run 0 extracts the artefacts and warms the page cache; it is not counted.
          if (run > 0) {
            samples.set(key(mode, handler), [...(samples.get(key(mode, handler)) ?? []), loaded.initMs]);
            cpuSamples.set(key(mode, handler), [...(cpuSamples.get(key(mode, handler)) ?? []), loaded.cpuMs]);
          }
          if (run === 0) console.log(`${mode.padEnd(8)} ${handler}: ${loaded.modules.length} module files loaded`);
        }
      }
    }
    const init = new Map<PackagingMode, number>();
    for (const mode of PACKAGING_MODES) {
      const medians = HANDLERS.map((handler) => median(samples.get(key(mode, handler)) ?? []));
      init.set(mode, Math.max(...medians));
      const cpu = HANDLERS.map((handler) => median(cpuSamples.get(key(mode, handler)) ?? []));
      console.log(
        `${mode.padEnd(8)} init median of ${RUNS}: ${HANDLERS.map((handler, i) => `${handler} ${medians[i]?.toFixed(1)} ms (CPU ${cpu[i]?.toFixed(1)} ms)`).join(', ')}`,
      );
    }

    const layered = measured.get('layered') as Sizes;
    const bundled = measured.get('bundled') as Sizes;
    const layeredInit = init.get('layered') ?? NaN;
    const bundledInit = init.get('bundled') ?? NaN;
    console.log(`targets: layered function zips under 100 KB: ${layered.functionsOver100Kb === 0 ? 'yes' : `no (${layered.functionsOver100Kb} over)`}; ` +
      `layered init / bundled init = ${(layeredInit / bundledInit).toFixed(2)} (target at most 1.20)`);
    console.log(
      `package layered_total_mb=${(layered.totalBytes / MB).toFixed(2)} bundled_total_mb=${(bundled.totalBytes / MB).toFixed(2)} ` +
        `layered_fn_max_kb=${(layered.largest.bytes / 1024).toFixed(1)} layered_init_ms=${layeredInit.toFixed(1)} bundled_init_ms=${bundledInit.toFixed(1)}`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
