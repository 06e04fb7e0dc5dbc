export { readLagMessages, type OffsetsAdmin, type PartitionLagMessages } from './offsets.js';
export * from './client.js';
