export { ingestApi } from './routes.js';
export { ingestHttpBatch } from './http.js';
export { ingestKafkaEvent, type BatchItemFailure, type KafkaBatchResponse, type KafkaBatchSummary, type KafkaEvent } from './kafka.js';
export { DEAD_LETTER_CODES, type DeadLetterCode, type RawRecord, type RecordOrigin, type RejectedRecord, type StoreResult, type ValidRecord } from './records.js';
export {
  EVENT_TYPES,
  HTTP_BATCH_MAX_BODY_BYTES,
  MAX_HTTP_BATCH_EVENTS,
  httpEventBatch,
  httpEventBatchResult,
  telematicsEvent,
  type HttpEventBatch,
  type HttpEventBatchResult,
  type TelematicsEvent,
  type WireEventType,
} from './schema.js';
export { checkOwnership, copyLine, forgetVehicleOwners, writeBatch } from './store.js';
export { isTransient } from './transient.js';
export { checkEvent, checkKafkaRecord } from './validate.js';
export { lambdaKafkaEvent, toLambdaRecord, type EventSourceIdentity, type KafkaMessage, type LambdaKafkaEvent, type LambdaKafkaRecord } from './lambda-event.js';
