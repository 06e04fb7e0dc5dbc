/**
 * The packaged service as Lambda receives it, for the packaging tests and `npm run bench:package`:
 * `serverless package` in either mode of `custom.packaging` (without AWS credentials), the
 * artefacts it wrote, and a handler loaded from them in a fresh Node process the way the Lambda
 * runtime loads it (function zip as /var/task, its layers as /opt; scripts/serverless/lambda-load.mjs).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { extractZip } from '../serverless/zip.mjs';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const SERVERLESS = path.join(ROOT, 'node_modules/osls/bin/serverless.js');
const LAMBDA_LOAD = path.join(ROOT, 'scripts/serverless/lambda-load.mjs');

export const PACKAGING_MODES = ['layered', 'bundled'] as const;
export type PackagingMode = (typeof PACKAGING_MODES)[number];

interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}
export interface Template {
  Resources: Record<string, CfnResource>;
}

export interface PackagedFunction {
  /** serverless.yml name, e.g. `health` */
  name: string;
  /** the zip serverless wrote for it */
  zip: string;
  /** the handler module inside the zip, e.g. `functions/health/handler.mjs` */
  handlerFile: string;
  /** serverless.yml names of its layers, in attachment order */
  layers: string[];
}

export interface PackagedService {
  dir: string;
  template: Template;
  functions: Map<string, PackagedFunction>;
  /** layer name (serverless.yml) -> its zip */
  layers: Map<string, string>;
}

/** The environment with every way to find AWS credentials removed. */
export function withoutAwsCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([key]) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE|CONTAINER_CREDENTIALS_.*)$/.test(key)),
  );
  // An empty home: no ~/.aws/credentials or config either.
  return { ...clean, AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };
}

async function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** `serverless package --stage prod` in one packaging mode into outDir, without AWS credentials. */
export function packageService(mode: PackagingMode, outDir: string): Promise<{ code: number | null; output: string }> {
  return run(NODE, [SERVERLESS, 'package', '--stage', 'prod', '--package', outDir, '--param', `packaging=${mode}`], {
    cwd: ROOT,
    env: withoutAwsCredentials(process.env),
  });
}

/** What `packageService` wrote, read back from its CloudFormation template. */
export async function readPackage(dir: string): Promise<PackagedService> {
  const template = JSON.parse(await readFile(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  const zipOf = (properties: Record<string, unknown>, key: 'Code' | 'Content') =>
    path.join(dir, path.basename((properties[key] as { S3Key: string }).S3Key));
  const layerNames = new Map<string, string>();
  const layers = new Map<string, string>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::LayerVersion') continue;
    const zip = zipOf(resource.Properties, 'Content');
    const name = path.basename(zip, '.zip');
    layerNames.set(id, name);
    layers.set(name, zip);
  }
  const functions = new Map<string, PackagedFunction>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const zip = zipOf(resource.Properties, 'Code');
    const name = path.basename(zip, '.zip');
    const handler = resource.Properties.Handler as string;
    const refs = (resource.Properties.Layers ?? []) as Array<{ Ref: string }>;
    functions.set(name, {
      name,
      zip,
      handlerFile: `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`,
      layers: refs.map((ref) => layerNames.get(ref.Ref) ?? ref.Ref),
    });
  }
  return { dir, template, functions, layers };
}

export interface LoadedHandler {
  /** milliseconds to import the handler module, from the first line of the import to its end */
  initMs: number;
  /** CPU time (user + system) of that import: less sensitive than initMs to other processes */
  cpuMs: number;
  /** file URLs of every module the import loaded */
  modules: string[];
  /** the extracted function (Lambda's /var/task) and layers (Lambda's /opt) */
  task: string;
  opt: string;
}

/**
 * Extracts a packaged function and its layers under workDir (once; later calls reuse them) and
 * loads its handler in a fresh Node process, with the flags the functions run with on Lambda.
 */
export async function loadPackagedHandler(service: PackagedService, fn: PackagedFunction, workDir: string): Promise<LoadedHandler> {
  const task = path.join(workDir, 'task', fn.name);
  const opt = path.join(workDir, 'opt', fn.layers.join('+') || 'none');
  if (!existsSync(task)) await extractZip(fn.zip, task);
  if (!existsSync(opt)) {
    await mkdir(opt, { recursive: true });
    for (const layer of fn.layers) await extractZip(service.layers.get(layer) ?? `${layer}.zip is missing`, opt);
  }
  const result = await run(NODE, ['--enable-source-maps', LAMBDA_LOAD, fn.handlerFile, opt], {
    cwd: task,
    env: { PATH: process.env.PATH, STAGE: 'test', LOG_LEVEL: 'ERROR', SERVICE_NAME: 'telematics' },
  });
  if (result.code !== 0) throw new Error(`loading ${fn.name} from its package failed:\n${result.output}`);
  const { initMs, cpuMs, modules } = JSON.parse(result.output.trim().split('\n').at(-1) ?? '{}') as { initMs: number; cpuMs: number; modules: string[] };
  return { initMs, cpuMs, modules, task, opt };
}
