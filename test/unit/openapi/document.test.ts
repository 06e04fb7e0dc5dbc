import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { API_ROUTES, openApiDocument } from '../../../lib/openapi/index.js';
import { documentedSchemaValidator } from '../../e2e/openapi-validator.js';
import { declaredHttpRoutes } from '../../helpers/serverless-routes.js';

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

function documentedRoutes(): string[] {
  const document = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => METHODS.has(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(openApiDocument()));

    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists exactly the routes serverless.yml declares', () => {
    const declared = declaredHttpRoutes().map((route) => route.routeKey);
    const documented = documentedRoutes();

    expect(new Set(declared).size, 'serverless.yml declares a route twice').toBe(declared.length);
    expect(documented.sort()).toEqual(declared.sort());
  });

  it('has only schemas that compile: every reference resolves, no component is a reference to itself', () => {
    const document = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>> };
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          for (const [type, { schema }] of Object.entries(response.content ?? {})) {
            expect(() => documentedSchemaValidator(schema), `${method} ${path} ${status} ${type}`).not.toThrow();
          }
        }
      }
    }
    const problem = documentedSchemaValidator({ $ref: '#/components/schemas/Problem' });
    expect(problem({ error: { code: 'not_found', message: 'gone', correlation_id: 'c' } })).toBe(true);
    expect(problem({ error: { code: 'not_found' } })).toBe(false);
  });

  it('documents each route once, under a unique operationId', () => {
    const keys = API_ROUTES.map((spec) => `${spec.method} ${spec.path}`);
    const ids = API_ROUTES.map((spec) => spec.operationId);

    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
