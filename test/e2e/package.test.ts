import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE, ROOT, SERVERLESS } from './offline-server.js';
import { ALL_FUNCTIONS, HTTP_PROBES } from './service-functions.js';

interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, CfnResource>;
}
interface ServiceState {
  service: { functions: Record<string, { events: Array<{ httpApi?: string | { method: string; path: string } }> }> };
}

const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;
const LAYER_DIR = path.join(ROOT, '.build/layer');
const ORT_BIN = path.join(LAYER_DIR, 'nodejs/node_modules/onnxruntime-node/bin');

/** The environment with every way to find AWS credentials removed. */
function withoutAwsCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([key]) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE|CONTAINER_CREDENTIALS_.*)$/.test(key)),
  );
  // An empty home: no ~/.aws/credentials or config either.
  return { ...clean, AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };
}

async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(NODE, [SERVERLESS, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

describe('serverless package --stage prod', () => {
  let outDir: string;
  let result: { code: number | null; output: string };
  let template: Template;
  let state: ServiceState;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'telematics-package-'));
    result = await run(['package', '--stage', 'prod', '--package', outDir], withoutAwsCredentials(process.env));
    if (result.code === 0) {
      template = JSON.parse(await readFile(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
      state = JSON.parse(await readFile(path.join(outDir, 'serverless-state.json'), 'utf8')) as ServiceState;
    }
  }, 300_000);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  const resourcesOfType = (type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

  it('succeeds without AWS credentials', () => {
    expect(result.code, result.output).toBe(0);
  });

  it('declares a Lambda function for every function of the spec', () => {
    const names = resourcesOfType('AWS::Lambda::Function').map(([, fn]) => fn.Properties.FunctionName);

    expect(names.sort()).toEqual(ALL_FUNCTIONS.map((fn) => `telematics-prod-${fn}`).sort());
  });

  it('declares every httpApi route of serverless.yml, including one per HTTP function', () => {
    const declared = Object.values(state.service.functions)
      .flatMap((fn) => fn.events)
      .flatMap((event) => (event.httpApi === undefined ? [] : [typeof event.httpApi === 'string' ? event.httpApi : `${event.httpApi.method.toUpperCase()} ${event.httpApi.path}`]));
    const routeKeys = resourcesOfType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey);

    expect(routeKeys.sort()).toEqual(declared.sort());
    for (const probe of HTTP_PROBES) expect(routeKeys).toContain(`${probe.method} ${probe.path}`);
  });

  it('declares the deps layer for nodejs24.x on x86_64 and attaches it to score-drivers', () => {
    const layer = template.Resources.DepsLambdaLayer;
    const scoreDrivers = resourcesOfType('AWS::Lambda::Function').find(([, fn]) => fn.Properties.FunctionName === 'telematics-prod-score-drivers');

    expect(layer).toMatchObject({
      Type: 'AWS::Lambda::LayerVersion',
      Properties: { CompatibleRuntimes: ['nodejs24.x'], CompatibleArchitectures: ['x86_64'] },
    });
    expect(scoreDrivers?.[1].Properties.Layers).toEqual([{ Ref: 'DepsLambdaLayer' }]);
  });

  it('builds the layer with only the linux-x64 onnxruntime binaries, within the Lambda size limit', async () => {
    const napiDirs = await readdir(ORT_BIN);
    const platforms = await Promise.all(napiDirs.map(async (napi) => [napi, await readdir(path.join(ORT_BIN, napi))] as const));
    const arches = await readdir(path.join(ORT_BIN, napiDirs[0] ?? '', 'linux'));

    expect(platforms.every(([, names]) => names.length === 1 && names[0] === 'linux')).toBe(true);
    expect(arches).toEqual(['x64']);
    expect(await directorySize(LAYER_DIR)).toBeLessThan(LAMBDA_UNZIPPED_LIMIT_BYTES);
  });

  it('takes secrets from CloudFormation dynamic references, never from the repository', () => {
    const environments = resourcesOfType('AWS::Lambda::Function').map(
      ([, fn]) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    );

    for (const variables of environments) {
      expect(variables.JWT_SECRET).toMatch(/^\{\{resolve:secretsmanager:/);
      expect(variables.DATABASE_URL).toMatch(/^\{\{resolve:secretsmanager:/);
      expect(variables.STAGE).toBe('prod');
    }
  });
});
