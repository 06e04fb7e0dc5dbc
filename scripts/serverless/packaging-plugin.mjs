// Local osls plugin: how functions are packaged (serverless.yml `custom.packaging`). Listed first
// in `plugins`, so its `initialize` hook runs before serverless-esbuild reads its options.
//
// 1. The switch. `layered` (default): lib/ and its production dependencies ship once, in the
//    `lib` layer; each function bundle imports the library as `@telematics/lib/...`
//    (lib-imports.mjs), so it holds its handler only. `bundled`:
//    each function bundle holds lib/ and its dependencies, and the `lib` layer is dropped. Both
//    attach the `deps` layer (onnxruntime-node, the model) to every function. Only `package` and
//    `deploy` are affected: serverless-offline does not load layers and keeps bundling lib/ from
//    the project.
// 2. Assembles the layers (layers.mjs) whenever the service is packaged or deployed, so an
//    artifact never ships with a stale or missing layer.
// 3. Size guard: every function with its layers under Lambda's 250 MB unzipped, or packaging
//    fails naming the largest parts (size-guard.mjs).
// 4. Lets `serverless package` run without AWS credentials. For every layer, osls asks
//    CloudFormation (DescribeStacks) whether the deployed stack already holds an identical layer,
//    to reuse its S3 object (serverless/serverless#8187). With no credentials there is no deployed
//    stack to compare with, so the layer is packaged as new; dummy credentials would not help,
//    the call would still go to AWS. With credentials (a deploy) the check runs unchanged.
import path from 'node:path';
import { LAYER_DIRS, LIB_PACKAGE, buildLayer, layerDependencies } from './layers.mjs';
import { libFromLayerPlugin } from './lib-imports.mjs';
import { archivePart, checkUnzippedSizes, LAMBDA_UNZIPPED_LIMIT_BYTES } from './size-guard.mjs';

const MODES = ['layered', 'bundled'];
const PACKAGING_COMMANDS = ['package', 'deploy'];
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

export default class PackagingPlugin {
  constructor(serverless, _options, { log }) {
    this.serverless = serverless;
    this.log = log;
    this.root = serverless.serviceDir;
    this.hooks = {
      initialize: () => this.configure(),
      'before:package:createDeploymentArtifacts': () => this.buildLayers(),
      'before:package:compileLayers': async () => {
        await this.guardSize();
        this.tolerateMissingCredentials();
      },
    };
  }

  fail(message) {
    return new this.serverless.classes.Error(`custom.packaging: ${message}`);
  }

  settings() {
    const { mode, depsLayer } = this.serverless.service.custom?.packaging ?? {};
    if (!MODES.includes(mode)) throw this.fail(`mode is ${JSON.stringify(mode)}; use one of ${MODES.join(', ')}`);
    if (!Array.isArray(depsLayer)) throw this.fail('depsLayer must list the packages of the deps layer');
    return { mode, depsLayer };
  }

  async configure() {
    const { mode, depsLayer } = this.settings();
    const { service } = this.serverless;
    for (const [name, dir] of Object.entries(LAYER_DIRS)) {
      if (service.layers?.[name]?.path !== dir) throw this.fail(`layers.${name}.path must be ${dir}, where the layer is assembled`);
    }
    if (mode === 'bundled') delete service.layers.lib;
    if (mode !== 'layered' || !PACKAGING_COMMANDS.includes(this.serverless.processedInput.commands[0])) return;
    const { lib } = await layerDependencies(this.root, depsLayer);
    service.custom.esbuild.plugins = [libFromLayerPlugin({ libDir: path.join(this.root, 'lib'), packageName: LIB_PACKAGE, libDependencies: lib })];
    this.log.notice(`Packaging mode layered: lib/ and its dependencies ship in the lib layer`);
  }

  async buildLayers() {
    const { depsLayer } = this.settings();
    for (const name of this.serverless.service.getAllLayers()) {
      if (!(name in LAYER_DIRS)) continue;
      const layer = await buildLayer(this.root, name, { depsLayer });
      const holds = layer.modules === undefined ? `${layer.packages} packages` : `${layer.modules} lib modules with the dependencies they use`;
      this.log.notice(`Layer ${name}: ${holds}, ${mb(layer.bytes)} MB unzipped`);
    }
  }

  async guardSize() {
    const { service } = this.serverless;
    const naming = this.serverless.getProvider('aws').naming;
    const layers = new Map();
    for (const name of service.getAllLayers()) {
      const artifact = service.getLayer(name).package?.artifact;
      if (artifact) layers.set(naming.getLambdaLayerLogicalId(name), await archivePart(path.resolve(this.root, artifact), `layer ${name}`));
    }
    const functions = [];
    for (const name of service.getAllFunctions()) {
      const fn = service.getFunction(name);
      if (!fn.package?.artifact) continue;
      const parts = [await archivePart(path.resolve(this.root, fn.package.artifact), 'function zip')];
      for (const ref of fn.layers ?? service.provider.layers ?? []) {
        const part = layers.get(ref?.Ref);
        if (part === undefined) throw this.fail(`function ${name} has layer ${JSON.stringify(ref)}, not one of this service's; its size cannot be checked`);
        parts.push(part);
      }
      functions.push({ name, parts });
    }
    try {
      const totals = checkUnzippedSizes(functions);
      const largest = totals.reduce((a, b) => (b.bytes > a.bytes ? b : a), { name: 'none', bytes: 0 });
      this.log.notice(`Size: largest function with its layers ${largest.name} ${mb(largest.bytes)} MB of ${mb(LAMBDA_UNZIPPED_LIMIT_BYTES)} MB unzipped`);
    } catch (error) {
      throw new this.serverless.classes.Error(error.message);
    }
  }

  tolerateMissingCredentials() {
    const compiler = this.serverless.pluginManager.plugins.find((plugin) => plugin.constructor.name === 'AwsCompileLayers');
    if (typeof compiler?.compareWithLastLayer !== 'function') {
      throw new this.serverless.classes.Error('packaging-plugin: osls no longer has AwsCompileLayers.compareWithLastLayer; revisit this plugin');
    }
    const compareWithLastLayer = compiler.compareWithLastLayer.bind(compiler);
    compiler.compareWithLastLayer = async (layerName) => {
      try {
        return await compareWithLastLayer(layerName);
      } catch (error) {
        if (error?.code !== 'AWS_CREDENTIALS_NOT_FOUND') throw error;
        this.log.notice(`No AWS credentials: layer "${layerName}" is packaged as new (no deployed stack to compare with)`);
        return undefined;
      }
    };
  }
}
