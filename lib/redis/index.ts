export { luaScript, runScript, type LuaScript } from './scripts.js';
export * from './client.js';
