export { readLagMessages, type OffsetsAdmin } from './offsets.js';
export * from './client.js';
