import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackagedHandler, packageService, PACKAGING_MODES, readPackage, type PackagedService, type PackagingMode } from '../../scripts/lib/packaging.js';
import { LAMBDA_UNZIPPED_LIMIT_BYTES } from '../../scripts/serverless/size-guard.mjs';
import { readZipText, zipEntries } from '../../scripts/serverless/zip.mjs';
import { CONSOLE_ASSET_NAMES } from '../../lib/console/index.js';
import { ALL_FUNCTIONS, HTTP_PROBES } from './service-functions.js';

interface ServiceState {
  service: { functions: Record<string, { events: Array<{ httpApi?: string | { method: string; path: string }; websocket?: { route: string } }> }> };
}

const LAYERS: Record<PackagingMode, string[]> = { layered: ['lib', 'deps'], bundled: ['deps'] };
// The pooled clients (lib/db, lib/redis) and the packages behind them: each must load once per container.
const POOLED = ['lib/db/client.ts', 'lib/db/pool.ts', 'lib/redis/client.ts', 'postgres/src/index.js', 'ioredis/built/index.js'];

/** A module's identity whatever folder it was loaded from: the path after the last node_modules/. */
const moduleKey = (url: string) => url.slice(url.lastIndexOf('node_modules/') + 'node_modules/'.length);
/** The modules in a bundle: esbuild (not minified) heads each one's code with `// <path>` lines. */
const bundledModules = (source: string) => [...new Set([...source.matchAll(/^\/\/ ((?:lib|node_modules)\/\S+)$/gm)].map((match) => match[1] ?? ''))];
/** How many of the files (their sources) hold a module: a second one would be a second instance (a second pool). */
const filesHolding = (sources: string[], pooled: string) =>
  sources.filter((source) => bundledModules(source).some((module) => module === pooled || module.endsWith(`node_modules/${pooled}`))).length;
/** Top-level package folders of a layer zip: nodejs/node_modules/<name> or <@scope/name>. */
async function layerPackages(zip: string): Promise<Set<string>> {
  const names = (await zipEntries(zip)).map((entry) => /^nodejs\/node_modules\/((@[^/]+\/)?[^/]+)\//.exec(entry.name)?.[1]);
  return new Set(names.filter((name) => name !== undefined));
}

describe.each(PACKAGING_MODES)('serverless package --stage prod, packaging mode %s', (mode) => {
  let outDir: string;
  let workDir: string;
  let result: { code: number | null; output: string };
  let service: PackagedService;
  let state: ServiceState;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), `telematics-package-${mode}-`));
    workDir = await mkdtemp(path.join(tmpdir(), `telematics-lambda-${mode}-`));
    result = await packageService(mode, outDir);
    if (result.code === 0) {
      service = await readPackage(outDir);
      state = JSON.parse(await readFile(path.join(outDir, 'serverless-state.json'), 'utf8')) as ServiceState;
    }
  }, 300_000);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  });

  const lambdaFunctions = () => Object.values(service.template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
  const fn = (name: string) => {
    const found = service.functions.get(name);
    if (found === undefined) throw new Error(`no packaged function ${name}`);
    return found;
  };

  it('succeeds without AWS credentials', () => {
    expect(result.code, result.output).toBe(0);
  });

  it('declares a Lambda function for every function of the spec', () => {
    const names = lambdaFunctions().map((resource) => resource.Properties.FunctionName);

    expect(names.sort()).toEqual(ALL_FUNCTIONS.map((name) => `telematics-prod-${name}`).sort());
  });

  it('declares every httpApi and websocket route of serverless.yml, including one per HTTP function', () => {
    const events = Object.values(state.service.functions).flatMap((definition) => definition.events);
    const declared = [
      ...events.flatMap((event) => (event.httpApi === undefined ? [] : [typeof event.httpApi === 'string' ? event.httpApi : `${event.httpApi.method.toUpperCase()} ${event.httpApi.path}`])),
      ...events.flatMap((event) => (event.websocket === undefined ? [] : [event.websocket.route])),
    ];
    const routeKeys = Object.values(service.template.Resources)
      .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .map((route) => route.Properties.RouteKey);

    expect(routeKeys.sort()).toEqual(declared.sort());
    for (const probe of HTTP_PROBES) expect(routeKeys).toContain(`${probe.method} ${probe.path}`);
    expect(routeKeys).toEqual(expect.arrayContaining(['$connect', '$disconnect', 'subscribe', 'unsubscribe', '$default']));
  });

  it(`declares the ${LAYERS[mode].join(' and ')} layers for nodejs24.x on x86_64 and attaches them to every function`, () => {
    const layers = Object.values(service.template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::LayerVersion');

    expect([...service.layers.keys()].sort()).toEqual([...LAYERS[mode]].sort());
    for (const layer of layers) expect(layer.Properties).toMatchObject({ CompatibleRuntimes: ['nodejs24.x'], CompatibleArchitectures: ['x86_64'] });
    for (const name of ALL_FUNCTIONS) expect(fn(name).layers, name).toEqual(LAYERS[mode]);
  });

  it('builds the deps layer with only the linux-x64 onnxruntime binaries, and no package in two layers', async () => {
    const binaries = (await zipEntries(service.layers.get('deps') ?? '')).map((entry) => entry.name).filter((name) => name.includes('/onnxruntime-node/bin/'));
    const platforms = new Set(binaries.map((name) => /\/bin\/napi-v\d+\/([^/]+\/[^/]+)\//.exec(name)?.[1]));

    expect(binaries.length).toBeGreaterThan(0);
    expect([...platforms]).toEqual(['linux/x64']);
    if (mode === 'layered') {
      const lib = await layerPackages(service.layers.get('lib') ?? '');
      const deps = await layerPackages(service.layers.get('deps') ?? '');
      expect([...lib].filter((name) => deps.has(name))).toEqual([]);
    }
  });

  it("ships the console's bundled assets in the deps layer, where functions/console reads them (/opt/console)", async () => {
    const entries = (await zipEntries(service.layers.get('deps') ?? '')).map((entry) => entry.name).filter((name) => name.startsWith('console/'));

    expect(entries.sort()).toEqual(CONSOLE_ASSET_NAMES.map((name) => `console/${name}`).sort());
  });

  it("keeps every function with its layers under Lambda's 250 MB unzipped", async () => {
    const unzipped = async (zip: string) => (await zipEntries(zip)).reduce((sum, entry) => sum + entry.size, 0);
    const layerBytes = new Map<string, number>();
    for (const [name, zip] of service.layers) layerBytes.set(name, await unzipped(zip));

    for (const name of ALL_FUNCTIONS) {
      const total = (await unzipped(fn(name).zip)) + fn(name).layers.reduce((sum, layer) => sum + (layerBytes.get(layer) ?? Infinity), 0);
      expect(total, name).toBeLessThan(LAMBDA_UNZIPPED_LIMIT_BYTES);
    }
  });

  if (mode === 'layered') {
    it('ships each function as its handler alone, importing the library from the lib layer', async () => {
      for (const name of ALL_FUNCTIONS) {
        const { zip, handlerFile } = fn(name);
        const files = (await zipEntries(zip)).map((entry) => entry.name);
        const source = await readZipText(zip, handlerFile);

        expect(files.sort(), name).toEqual([handlerFile, `${handlerFile}.map`]);
        expect(bundledModules(source), name).toEqual([]);
        expect(source, name).toMatch(/from "@telematics\/lib\/[\w/-]+\.js"/);
      }
    });

    it('ships the library with its dependencies compiled in, each pooled client module in one file of the lib layer', async () => {
      const zip = service.layers.get('lib') ?? '';
      const entries = (await zipEntries(zip)).map((entry) => entry.name);
      const sources = await Promise.all(entries.filter((name) => name.endsWith('.js')).map((name) => readZipText(zip, name)));

      expect(entries.filter((name) => !name.startsWith('nodejs/node_modules/@telematics/lib/'))).toEqual([]);
      expect(entries).toContain('nodejs/node_modules/@telematics/lib/db/index.js');
      for (const pooled of POOLED) expect(filesHolding(sources, pooled), pooled).toBe(1);
    });
  } else {
    it('bundles at most one copy of the library and of each pooled client package into each function', async () => {
      for (const name of ALL_FUNCTIONS) {
        const modules = bundledModules(await readZipText(fn(name).zip, fn(name).handlerFile));
        // One path each: a second copy (say node_modules/x/node_modules/postgres) would be a second pool.
        const copies = (pooled: string) => modules.filter((module) => module === pooled || module.endsWith(`node_modules/${pooled}`)).length;

        for (const pooled of POOLED) expect(copies(pooled), `${name}: ${pooled}`).toBeLessThanOrEqual(1);
        // health uses them all (esbuild leaves out what a function never reaches).
        if (name === 'health') for (const pooled of POOLED) expect(copies(pooled), `${name}: ${pooled}`).toBe(1);
      }
    });
  }

  // health reaches the database, Redis, Kafka and S3; ingest is the Kafka-triggered function.
  it.each(['health', 'ingest'])('loads %s from its package with one instance of each module, the pooled clients included', async (name) => {
    const loaded = await loadPackagedHandler(service, fn(name), workDir);
    const fromTask = loaded.modules.filter((url) => url.startsWith(`file://${loaded.task}/`));
    const keys = loaded.modules.map(moduleKey);

    expect(fromTask).toEqual([`file://${path.join(loaded.task, fn(name).handlerFile)}`]);
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
    if (mode === 'layered') {
      const sources = await Promise.all(loaded.modules.map((url) => readFile(fileURLToPath(url), 'utf8')));
      for (const pooled of POOLED) expect(filesHolding(sources, pooled), pooled).toBeLessThanOrEqual(1);
      if (name === 'health') for (const pooled of POOLED) expect(filesHolding(sources, pooled), pooled).toBe(1);
    } else {
      expect(loaded.modules).toHaveLength(1);
    }
  });

  it('takes secrets from CloudFormation dynamic references, never from the repository', () => {
    for (const resource of lambdaFunctions()) {
      const variables = (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.JWT_SECRET).toMatch(/^\{\{resolve:secretsmanager:/);
      expect(variables.DATABASE_URL).toMatch(/^\{\{resolve:secretsmanager:/);
      expect(variables.STAGE).toBe('prod');
    }
  });
});
