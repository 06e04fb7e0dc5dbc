/** Types of the local osls plugin ingest-event-source-plugin.mjs, for its unit test. */
export default class IngestEventSourcePlugin {
  constructor(serverless: unknown);
  hooks: Record<string, () => void>;
}
