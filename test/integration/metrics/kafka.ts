import { randomBytes } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import { createKafka } from '../../../lib/kafka/index.js';

/** A topic and consumer group of the calling test's own, with helpers to produce and commit. */
export interface LagFixture {
  topic: string;
  groupId: string;
  admin: Admin;
  /** `count` records on `partition`, the i-th stamped `timestamps(i)` (ms). */
  produce(partition: number, count: number, timestamp: (i: number) => number): Promise<void>;
  /** Commits the group's offset of each partition, as a consumer would. */
  commit(offsets: Record<number, number>): Promise<void>;
  close(): Promise<void>;
}

export async function lagFixture(partitions = 2): Promise<LagFixture> {
  const suffix = randomBytes(4).toString('hex');
  const topic = `test-metrics-lag-${suffix}`;
  const groupId = `test-metrics-group-${suffix}`;
  const kafka = createKafka({ clientId: `test-metrics-${suffix}` });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  const producer: Producer = kafka.producer();
  await producer.connect();
  return {
    topic,
    groupId,
    admin,
    async produce(partition, count, timestamp) {
      await producer.send({
        topic,
        messages: Array.from({ length: count }, (_, i) => ({ partition, value: `{"i":${i}}`, timestamp: String(timestamp(i)) })),
      });
    },
    async commit(offsets) {
      await admin.setOffsets({ groupId, topic, partitions: Object.entries(offsets).map(([partition, offset]) => ({ partition: Number(partition), offset: String(offset) })) });
    },
    async close() {
      await producer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
