// Local osls plugin for the `deps` layer (serverless.yml `layers.deps`).
//
// 1. Assembles the layer (scripts/build-layer.sh) whenever the service is packaged or deployed,
//    so an artifact never ships with a stale or missing layer.
// 2. Lets `serverless package` run without AWS credentials. For every layer, osls asks
//    CloudFormation (DescribeStacks) whether the deployed stack already holds an identical layer,
//    to reuse its S3 object (serverless/serverless#8187). With no credentials there is no deployed
//    stack to compare with, so the layer is packaged as new; dummy credentials would not help,
//    the call would still go to AWS. With credentials (a deploy) the check runs unchanged.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const LAYER_BUILD_SCRIPT = 'scripts/build-layer.sh';

export default class DepsLayerPlugin {
  constructor(serverless, _options, { log }) {
    this.serverless = serverless;
    this.log = log;
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.buildLayer(),
      'before:package:compileLayers': () => this.tolerateMissingCredentials(),
    };
  }

  buildLayer() {
    const result = spawnSync('bash', [path.join(this.serverless.serviceDir, LAYER_BUILD_SCRIPT)], { stdio: 'inherit' });
    if (result.status !== 0) {
      throw new this.serverless.classes.Error(`${LAYER_BUILD_SCRIPT} failed (exit ${result.status ?? result.signal})`);
    }
  }

  tolerateMissingCredentials() {
    const compiler = this.serverless.pluginManager.plugins.find((plugin) => plugin.constructor.name === 'AwsCompileLayers');
    if (typeof compiler?.compareWithLastLayer !== 'function') {
      throw new this.serverless.classes.Error('deps-layer-plugin: osls no longer has AwsCompileLayers.compareWithLastLayer; revisit this plugin');
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
