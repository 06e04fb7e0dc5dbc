import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { freePorts } from './net.js';
import { stopChild } from './process.js';

/**
 * A private single-node Kafka (KRaft) for tests that restart the broker: the shared one on :9092
 * is used by everyone else and must never be stopped. Same jars as scripts/services/kafka.sh (its
 * download cache), its own ports and log directory, which survives a restart like a real broker's
 * disk.
 */

const KAFKA_VERSION = process.env.KAFKA_VERSION ?? '3.9.2';

/** A Kafka cluster id as scripts/services/kafka.sh makes it: never starting with '-', which the storage tool would read as an option. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function kafkaLibs(): string {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const home = join(cache, 'telematics', `kafka-${KAFKA_VERSION}`);
  if (!existsSync(join(home, '.complete'))) throw new Error(`no Kafka jars in ${home} (npm run services -- up downloads them)`);
  return join(home, 'libs', '*');
}

export class PrivateKafkaBroker {
  private process: ChildProcess | undefined;
  private readonly libs = kafkaLibs();
  private readonly properties: string;

  private constructor(
    readonly port: number,
    private readonly controllerPort: number,
    private readonly dir: string,
  ) {
    this.properties = join(dir, 'server.properties');
  }

  static async start(): Promise<PrivateKafkaBroker> {
    const dir = mkdtempSync('/tmp/telematics-private-kafka-');
    const [port, controllerPort] = await freePorts(2);
    const broker = new PrivateKafkaBroker(port as number, controllerPort as number, dir);
    try {
      broker.configure();
      await broker.start();
      return broker;
    } catch (error) {
      await broker.remove();
      throw error;
    }
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  private configure(): void {
    writeFileSync(
      this.properties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${this.controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}`,
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name=PLAINTEXT',
        'controller.listener.names=CONTROLLER',
        `log.dirs=${join(this.dir, 'data')}`,
        'num.partitions=4',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=4',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'num.network.threads=2',
        'num.io.threads=2',
        '',
      ].join('\n'),
    );
    writeFileSync(join(this.dir, 'log4j.properties'), 'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n');
    const clusterId = newClusterId();
    const format = spawnSync(
      'java',
      ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${join(this.dir, 'log4j.properties')}`, '-cp', this.libs,
        'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', this.properties, '--ignore-formatted'],
      { encoding: 'utf8' },
    );
    if (format.status !== 0) throw new Error(`formatting the Kafka storage failed: ${format.stderr || format.stdout}`);
  }

  /** Starts the broker on its log directory (again, after `stop`) and waits until it answers metadata requests. */
  async start(): Promise<void> {
    const child = spawn(
      'java',
      ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true', `-Dkafka.logs.dir=${this.dir}`,
        `-Dlog4j.configuration=file:${join(this.dir, 'log4j.properties')}`, '-cp', this.libs, 'kafka.Kafka', this.properties],
      { stdio: 'ignore' },
    );
    this.process = child;
    const admin = new Kafka({ clientId: 'private-broker-probe', brokers: [this.brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
    try {
      for (let attempt = 0; attempt < 240; attempt++) {
        if (child.exitCode !== null) throw new Error(`the Kafka broker exited with code ${child.exitCode}`);
        try {
          await admin.connect();
          const cluster = await admin.describeCluster();
          if (cluster.brokers.length > 0) return;
        } catch {
          await admin.disconnect().catch(() => undefined);
        }
        await sleep(250);
      }
      throw new Error(`the private Kafka broker on port ${this.port} did not answer`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Creates a topic and waits for its partitions' leaders. */
  async createTopic(topic: string, numPartitions: number): Promise<void> {
    const admin = new Kafka({ clientId: 'private-broker-admin', brokers: [this.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  /** SIGTERM: the broker shuts down in order (logs flushed), as in a rolling restart; SIGKILL: a crash. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await stopChild(child, signal);
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  /** Stops the broker and deletes its log directory. */
  async remove(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
