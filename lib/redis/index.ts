export { luaScript, runScript, type LuaScript } from './scripts.js';
export * from './client.js';
export { KEY_SPACES, keySpace, type KeySpace } from './key-spaces.js';
