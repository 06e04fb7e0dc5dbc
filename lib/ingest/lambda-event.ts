
/**
 * Builds the exact event the Lambda Kafka event sources deliver, from records as a Kafka client
 * reads them: records grouped under "topic-partition" keys, key and value base64, headers as a list
 * of `{name: byte[]}`. Used by the local bridge, the benchmark and tests.
 *
 * The types are ours rather than @types/aws-lambda's, which spell the self-managed source
 * "SelfManagedKafka" (the platform sends "aws:SelfManagedKafka") and require a key that Lambda
 * leaves out for a record without one.
 */

export interface LambdaKafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key?: string | null;
  value: string | null;
  headers: Record<string, number[]>[];
}

export interface LambdaKafkaEvent {
  eventSource: 'aws:kafka' | 'aws:SelfManagedKafka';
  /** MSK only. */
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<string, LambdaKafkaRecord[]>;
}

export interface KafkaMessage {
  topic: string;
  partition: number;
  offset: number | string;
  /** Epoch milliseconds. */
  timestamp: number | string;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  /** CREATE_TIME unless the topic stamps records on append. */
  timestampType?: 'CREATE_TIME' | 'LOG_APPEND_TIME';
}

export type EventSourceKind = 'self-managed' | 'msk';

export interface EventSourceIdentity {
  kind: EventSourceKind;
  /** Self-managed: the bootstrap servers. MSK: the cluster ARN. */
  bootstrapServers?: string[];
  clusterArn?: string;
}

const bytesOf = (value: Buffer | string) => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
const base64 = (value: Buffer | string | null) => (value === null ? null : bytesOf(value).toString('base64'));

function headerList(headers: KafkaMessage['headers']): LambdaKafkaRecord['headers'] {
  const list: LambdaKafkaRecord['headers'] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) list.push({ [name]: [...bytesOf(one)] });
  }
  return list;
}

export function toLambdaRecord(message: KafkaMessage): LambdaKafkaRecord {
  const record: LambdaKafkaRecord = {
    topic: message.topic,
    partition: message.partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: message.timestampType ?? 'CREATE_TIME',
    value: base64(message.value),
    headers: headerList(message.headers),
  };
  // Lambda leaves `key` out for a record without one.
  if (message.key !== null) record.key = base64(message.key);
  return record;
}

export function lambdaKafkaEvent(messages: readonly KafkaMessage[], source: EventSourceIdentity = { kind: 'self-managed' }): LambdaKafkaEvent {
  const records: Record<string, LambdaKafkaRecord[]> = {};
  for (const message of messages) (records[`${message.topic}-${message.partition}`] ??= []).push(toLambdaRecord(message));
  if (source.kind === 'msk') {
    return {
      eventSource: 'aws:kafka',
      eventSourceArn: source.clusterArn ?? 'arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-000000000000-1',
      bootstrapServers: (source.bootstrapServers ?? []).join(','),
      records,
    };
  }
  return { eventSource: 'aws:SelfManagedKafka', bootstrapServers: (source.bootstrapServers ?? []).join(','), records };
}
