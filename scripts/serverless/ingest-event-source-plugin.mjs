// Local osls plugin for the ingest function's Kafka and MSK event sources.
//
// osls's `kafka` and `msk` events accept neither `functionResponseTypes` nor the error-handling
// settings of a provisioned-mode Kafka event source mapping, so this sets them on the compiled
// AWS::Lambda::EventSourceMapping resources of the ingest topic from serverless.yml `custom.ingest`
// (the values the local bridge reads too): ReportBatchItemFailures, MaximumRetryAttempts and
// BisectBatchOnFunctionError. The on-failure destination is the events' own `onFailureDestination`
// (an SQS, SNS, S3 or Kafka destination ARN per account) where the framework supports it.

export default class IngestEventSourcePlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:package:compileEvents': () => this.configureEventSources() };
  }

  configureEventSources() {
    const ingest = this.serverless.service.custom?.ingest;
    if (!ingest) return;
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    for (const resource of Object.values(resources)) {
      if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
      if (!(resource.Properties?.Topics ?? []).includes(ingest.topic)) continue;
      resource.Properties.FunctionResponseTypes = ingest.functionResponseTypes;
      resource.Properties.MaximumRetryAttempts = ingest.maximumRetryAttempts;
      resource.Properties.BisectBatchOnFunctionError = ingest.bisectBatchOnFunctionError;
    }
  }
}
