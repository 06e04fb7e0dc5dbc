// Loads one packaged handler in this (fresh) Node process the way the Lambda Node.js runtime
// does, and reports how long the import took and which module files it loaded:
//
//   node --enable-source-maps lambda-load.mjs <task>/functions/<fn>/handler.mjs <opt>
//
// <task> is a function zip extracted (Lambda's /var/task), <opt> its layers extracted on top of
// each other (Lambda's /opt). The runtime resolves bare imports a function cannot find in its own
// node_modules from /opt/nodejs/node_modules (NODE_PATH, which the runtime honours for ES modules
// too); the resolve hook below does the same with <opt>. Used by the packaging test and
// bench:package; prints one JSON line { initMs, cpuMs, modules } (cpuMs: CPU time of the import,
// steadier than wall time on a busy machine).
import { registerHooks } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [handlerFile, optDir] = process.argv.slice(2);
if (!handlerFile || !optDir) {
  console.error('usage: lambda-load.mjs <handler.mjs> <opt dir>');
  process.exit(2);
}
// A module URL inside <opt>/nodejs/node_modules, so lookups from it walk that folder.
const layerParent = pathToFileURL(path.join(path.resolve(optDir), 'nodejs/node_modules/.lambda-node-path.mjs')).href;
const bare = (specifier) => !/^(\.{0,2}\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);
const loaded = [];

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !bare(specifier)) throw error;
      return nextResolve(specifier, { ...context, parentURL: layerParent });
    }
  },
  load(url, context, nextLoad) {
    if (url.startsWith('file:')) loaded.push(url);
    return nextLoad(url, context);
  },
});

const started = performance.now();
const cpuBefore = process.cpuUsage();
const module = await import(pathToFileURL(path.resolve(handlerFile)).href);
const cpu = process.cpuUsage(cpuBefore);
const initMs = performance.now() - started;
if (typeof module.handler !== 'function') {
  console.error(`${handlerFile} exports no handler function`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ initMs, cpuMs: (cpu.user + cpu.system) / 1000, modules: loaded })}\n`);
// Clients are lazy, but a library may still hold a timer; a cold start ends here.
process.exit(0);
