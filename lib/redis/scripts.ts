import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script run atomically by Redis, addressed by its SHA-1 (EVALSHA) after the first run. */
export interface LuaScript {
  source: string;
  sha1: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/** EVALSHA, falling back to EVAL once when Redis does not know the script yet (new or flushed server). */
export async function runScript(redis: Redis, lua: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(lua.sha1, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(lua.source, keys.length, ...keys, ...args);
  }
}
