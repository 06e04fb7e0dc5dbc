import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { CacheWorker, allReady } from './worker-process.js';

/**
 * The test harness's own guarantees: a worker that cannot start, or does not exit when asked,
 * never outlives the test that started it.
 */

const prefix = uniquePrefix('cache-worker');
/** How long these tests let a worker try to start; the hung worker is killed after it. */
const READY_TIMEOUT_MS = 2_000;

/** Accepts connections and never answers: a Redis that hangs, so a worker never reports ready. */
let silentRedis: Server;
const silentSockets = new Set<Socket>();

beforeAll(async () => {
  silentRedis = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  silentRedis.listen(0, '127.0.0.1');
  await once(silentRedis, 'listening');
});

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  silentRedis.close();
  await once(silentRedis, 'close');
});

function silentRedisUrl(): string {
  const address = silentRedis.address();
  if (address === null || typeof address === 'string') throw new Error('silent server has no port');
  return `redis://127.0.0.1:${address.port}`;
}

/** Whether a process with this id exists (signal 0 checks without signalling). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('CacheWorker lifecycle', () => {
  it('kills a worker that does not report ready in time and rejects', async () => {
    const worker = new CacheWorker({ CACHE_PREFIX: prefix, REDIS_URL: silentRedisUrl() });

    await expect(worker.ready(READY_TIMEOUT_MS)).rejects.toThrow('not seen within');

    expect(worker.running).toBe(false);
    expect(processExists(worker.pid!)).toBe(false);
  });

  it('kills a worker that does not exit when asked to stop', async () => {
    const worker = await CacheWorker.start({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL });
    // A stopped process reads no command: it can only be killed.
    process.kill(worker.pid!, 'SIGSTOP');

    await worker.stop(200);

    expect(worker.running).toBe(false);
    expect(processExists(worker.pid!)).toBe(false);
  });

  it('stops the workers that started when another one fails to start', async () => {
    const healthy = new CacheWorker({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL });
    const hung = new CacheWorker({ CACHE_PREFIX: prefix, REDIS_URL: silentRedisUrl() });

    await expect(allReady([healthy, hung], READY_TIMEOUT_MS)).rejects.toThrow('not seen within');

    for (const worker of [healthy, hung]) {
      expect(worker.running).toBe(false);
      expect(processExists(worker.pid!)).toBe(false);
    }
  });

  it('rejects pending requests when the worker dies instead of waiting forever', async () => {
    const worker = await CacheWorker.start({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL });
    process.kill(worker.pid!, 'SIGSTOP');
    const request = worker.get('lifecycle', 'k');

    await worker.kill();

    await expect(request).rejects.toThrow('worker exited (SIGKILL)');
  });
});
