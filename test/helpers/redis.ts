import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { testCachePrefix } from './env.js';
import { freePort } from './net.js';
import { stopChild } from './process.js';

/** The shared Redis of the test run (scripts/services.sh). */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test file or run uses, so files never read each other's keys. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** A plain client for arranging and asserting, independent of the product's connection handling. */
export function rawRedis(url: string = TEST_REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
}

/** Deletes every key under a test prefix (SCAN: product code scans only to empty whole caches, lib/cache clearCaches). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await redis.unlink(...keys);
  }
}

/** Empties the test run's cache key space (CACHE_PREFIX of the tests) in the shared Redis. */
export async function emptyTestCache(): Promise<void> {
  const redis = rawRedis();
  try {
    await deleteKeysWithPrefix(redis, testCachePrefix());
  } finally {
    redis.disconnect();
  }
}

/**
 * A private redis-server for tests that stop Redis: the shared one is used by everyone else and
 * must never be stopped. No persistence, so a restart comes back empty, like a new node.
 */
export class PrivateRedisServer {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedisServer> {
    const server = new PrivateRedisServer(await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.process = child;
    const probe = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    // Refused connections are expected until the server listens; the loop below retries.
    probe.on('error', () => undefined);
    try {
      for (let attempt = 0; attempt < 100; attempt++) {
        if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
        try {
          if (probe.status !== 'ready') await probe.connect();
          if ((await probe.ping()) === 'PONG') return;
        } catch {
          await sleep(50);
        }
      }
      throw new Error(`redis-server on port ${this.port} did not answer`);
    } finally {
      probe.disconnect();
    }
  }

  /** Freezes the server: connections stay open but nothing is answered, like an overloaded node. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Kills the server abruptly, like a crashed or unreachable node. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await stopChild(child, 'SIGKILL');
  }
}
