import { z } from 'zod';
import { authApi } from '../auth/routes.js';
import { cacheAdminApi } from '../cache-admin/routes.js';
import { consoleApi } from '../console/routes.js';
import { dashboardApi } from '../dashboard/routes.js';
import { driversApi } from '../drivers/routes.js';
import { eventsApi } from '../events/routes.js';
import { healthApi } from '../health/routes.js';
import { ingestApi } from '../ingest/routes.js';
import { problemSchema } from '../http/index.js';
import { metricsApi } from '../metrics/routes.js';
import { premiumsApi } from '../premiums/routes.js';
import { riskApi } from '../risk/routes.js';
import type { RouteSpec } from '../router/index.js';
import { tripsApi } from '../trips/routes.js';
import { wireSchemas } from '../validation/index.js';
import { docsApi } from './routes.js';

/**
 * The OpenAPI 3.1 document, generated from the route specs the handlers serve: the same zod
 * schemas validate requests and describe them here, so the two cannot drift. A test checks that
 * the document lists exactly the routes serverless.yml declares, and the e2e suite validates every
 * response against it.
 */

type JsonSchema = Record<string, unknown>;

/** Every route of the API, in document order. */
export const API_ROUTES: readonly RouteSpec[] = [
  authApi,
  driversApi,
  tripsApi,
  eventsApi,
  ingestApi,
  riskApi,
  premiumsApi,
  dashboardApi,
  cacheAdminApi,
  healthApi,
  metricsApi,
  docsApi,
  consoleApi,
].flatMap((api) => Object.values(api) as RouteSpec[]);

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

const STACK_ERRORS: Readonly<Record<number, string>> = {
  400: 'Invalid input: every problem is named in `error.fields`',
  401: 'Missing, malformed, expired or revoked bearer token',
  403: 'The token does not grant access (role, or another driver’s data)',
  404: 'Not found: `error.code` says what is missing',
  409: 'Conflicts with existing data (a duplicate license number, email or username)',
  413: 'The body is larger than the route accepts',
  415: 'The body is not JSON',
  429: 'Too many attempts: retry after the `Retry-After` seconds',
  503: 'A backing service is unavailable: retry after the `Retry-After` seconds',
};

/** Converts one zod schema; named schemas (`.meta({ id })`) are collected into `components`. */
class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      override: ({ zodSchema, jsonSchema }) => {
        const wire = wireSchemas.get(zodSchema);
        if (!wire) return;
        for (const key of Object.keys(jsonSchema)) delete (jsonSchema as JsonSchema)[key];
        Object.assign(jsonSchema, wire);
      },
    }) as JsonSchema;
    const { $schema: _dialect, $defs, ...rest } = json;
    for (const [id, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) this.components[id] = relink(definition);
    return relink(rest);
  }
}

/** Points zod's `#/$defs/X` references at `#/components/schemas/X`. */
function relink(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
}

function parameters(spec: RouteSpec, schemas: SchemaCollector): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const location of ['path', 'query'] as const) {
    const schema = spec.request?.[location];
    if (!schema) continue;
    const object = schemas.convert(schema, 'input');
    const required = new Set((object.required ?? []) as string[]);
    for (const [name, property] of Object.entries((object.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...propertySchema } = property;
      list.push({
        name,
        in: location,
        required: location === 'path' || required.has(name),
        ...(description ? { description } : {}),
        schema: propertySchema,
      });
    }
  }
  return list;
}

function responses(spec: RouteSpec, schemas: SchemaCollector): Record<string, JsonSchema> {
  const { response } = spec;
  const success: JsonSchema = { description: response.description };
  if (response.schema) {
    success.content = { [response.contentType ?? 'application/json']: { schema: schemas.convert(response.schema, 'output') } };
  }
  const result: Record<string, JsonSchema> = { [String(response.status)]: success };
  for (const [status, other] of Object.entries(spec.otherResponses ?? {})) {
    result[status] = { description: other.description, content: { 'application/json': { schema: schemas.convert(other.schema, 'output') } } };
  }
  const errors = new Set<number>(spec.errors ?? []);
  // Every route refuses unknown query parameters (lib/middleware/http.ts), so every route can answer 400.
  errors.add(400);
  if (spec.auth !== 'public') {
    errors.add(401);
    errors.add(403);
  }
  if (spec.request?.body) {
    errors.add(413);
    errors.add(415);
  }
  if (!(503 in result) && spec.tag !== 'operations') errors.add(503);
  for (const status of [...errors].sort()) {
    const headers =
      status === 429 || status === 503
        ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } } } }
        : {};
    result[String(status)] = { description: STACK_ERRORS[status] ?? 'Error', ...headers, content: { 'application/json': { schema: PROBLEM_REF } } };
  }
  return result;
}

function buildDocument(): JsonSchema {
  const schemas = new SchemaCollector();
  // Converting registers Problem in the components (it is named by `.meta({ id })`); what it returns
  // is only a reference to it, which assigned here would make Problem a reference to itself.
  schemas.convert(problemSchema, 'output');
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of API_ROUTES) {
    const operation: JsonSchema = {
      operationId: spec.operationId,
      tags: [spec.tag],
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.auth === 'public' ? { security: [] } : { security: [{ bearerAuth: [] }] }),
      ...(spec.auth === 'admin' ? { 'x-required-role': 'admin' } : {}),
    };
    const parameterList = parameters(spec, schemas);
    if (parameterList.length > 0) operation.parameters = parameterList;
    if (spec.request?.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: schemas.convert(spec.request.body, 'input') } } };
    }
    operation.responses = responses(spec, schemas);
    (paths[spec.path] ??= {})[spec.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Telematics usage-based insurance API',
      version: 'v1',
      description:
        'Drivers see their own data through `/me` routes (and 403 on any other driver id); admins see everything. ' +
        'Errors are JSON problems with a code and a message; validation errors name every field. ' +
        'Unknown query parameters and body fields are refused with 400. Times are ISO 8601 with a time zone.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(API_ROUTES.map((spec) => spec.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: schemas.components,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'From POST /api/v1/auth/login' } },
    },
  };
}

let document: JsonSchema | undefined;

/** The document, built once per instance. */
export function openApiDocument(): JsonSchema {
  document ??= buildDocument();
  return document;
}
