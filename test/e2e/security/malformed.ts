import { getConfig } from '../../../lib/config/index.js';
import { openApiDocument } from '../../../lib/openapi/index.js';
import type { RouteSpec } from '../../../lib/router/index.js';
import { documentedSchemaValidator } from '../openapi-validator.js';
import type { ApiCall } from './api.js';

/**
 * Malformed requests for every route, generated from the OpenAPI document the API serves (what an
 * independent fuzzer reads): for each path and query parameter, values of the wrong type, out of
 * range, impossible dates, SQL-like text, over-long text; for each body, bad JSON, the wrong content
 * type, an oversized body, JSON values of the wrong shape (scalars, arrays, null, deep nesting),
 * missing fields, wrong types and formats per property; plus unknown parameters and fields.
 *
 * Whether a value is valid is decided by the document's own schema (ajv, with formats): an invalid
 * one must get a 400 naming the parameter (413 / 415 for size and type), a valid one (SQL-like text
 * is often valid) must be answered without a 5xx. Values that would be valid writes are never sent,
 * so the suite can prove the database is unchanged afterwards.
 */

type JsonSchema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema: JsonSchema;
}

export interface MalformedCase {
  name: string;
  call: ApiCall;
  /** `400` etc.: exactly that status; `'no 5xx'`: any documented answer below 500. */
  expect: number | 'no 5xx';
  /** For 400s: a field the problem must name (`query.limit`), or a prefix of one ending in `*`. */
  field?: string;
}

const document = openApiDocument() as { paths: Record<string, Record<string, JsonSchema>>; components: JsonSchema };

function operationOf(spec: Pick<RouteSpec, 'method' | 'path'>): JsonSchema {
  const operation = document.paths[spec.path]?.[spec.method.toLowerCase()];
  if (!operation) throw new Error(`${spec.method} ${spec.path} is not in the document`);
  return operation;
}

function isValid(schema: JsonSchema, value: unknown): boolean {
  return documentedSchemaValidator(schema)(value);
}

/** A parameter's text as its schema reads it (what a fuzzer serialises): integers and booleans parsed. */
function parameterValid(schema: JsonSchema, raw: string): boolean {
  if (schema.type === 'integer') return /^-?\d+$/.test(raw) && isValid(schema, Number(raw));
  if (schema.type === 'boolean') return (raw === 'true' || raw === 'false') && isValid(schema, raw === 'true');
  return isValid(schema, raw);
}

const SQL_LIKE = ["' OR '1'='1", "1; DROP TABLE drivers; --"];

/** Candidate values for a parameter: the wrong type, out of range, impossible dates, SQL-like and over-long text. */
function parameterValues(schema: JsonSchema): string[] {
  const values = new Set<string>();
  if (schema.type === 'integer') {
    const min = Number(schema.minimum ?? 0);
    const max = Number(schema.maximum ?? Number.MAX_SAFE_INTEGER);
    for (const v of [String(min - 1), '-1', String(max + 1), '99999999999999999999999', '1.5', SQL_LIKE[1]!]) values.add(v);
  } else {
    for (const v of [...SQL_LIKE, '\u0000']) values.add(v);
  }
  if (schema.format === 'date-time') {
    for (const v of ['1990-02-30T00:00:00Z', '2030-13-01T00:00:00Z', '2030-01-01T00:00:00', 'yesterday']) values.add(v);
  }
  if (schema.format === 'uuid') values.add('not-a-uuid');
  if (Array.isArray(schema.enum)) values.add(String(schema.enum[0]).toUpperCase());
  if (typeof schema.maxLength === 'number') values.add('x'.repeat(schema.maxLength + 1));
  if (schema.type === 'string' && schema.format === undefined && schema.enum === undefined) for (const v of ['%', '\\']) values.add(v);
  return [...values];
}

function parametersOf(spec: Pick<RouteSpec, 'method' | 'path'>): Parameter[] {
  return ((operationOf(spec).parameters ?? []) as Parameter[]).filter((p) => p.in === 'path' || p.in === 'query');
}

function requestBodySchema(spec: Pick<RouteSpec, 'method' | 'path'>): JsonSchema | undefined {
  const body = operationOf(spec).requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined;
  return body?.content?.['application/json']?.schema;
}

/** Object schemas of a body (a union's members each). */
function objectForms(schema: JsonSchema): JsonSchema[] {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).flatMap(objectForms);
  if (Array.isArray(schema.oneOf)) return (schema.oneOf as JsonSchema[]).flatMap(objectForms);
  return schema.type === 'object' ? [schema] : [];
}

function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

function deepObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Values of the wrong type or format for a property of `schema`. */
function propertyValues(schema: JsonSchema): unknown[] {
  const values: unknown[] = [123, null, [], {}, ...SQL_LIKE, '\u0000'];
  if (schema.format === 'date') values.push('1990-02-30', '2030-13-01', '30.01.2030');
  if (schema.format === 'email') values.push('not-an-email', "x@y'; DROP TABLE drivers; --");
  if (typeof schema.maxLength === 'number') values.push('x'.repeat(schema.maxLength + 1));
  return values;
}

/**
 * The cases for one route. `base` is a valid request (the authorization matrix's sample, with a
 * token that reaches validation); `writes` says whether a valid variant could change data, in
 * which case only invalid variants are sent.
 */
export function malformedCases(spec: RouteSpec, base: ApiCall, writes: boolean): MalformedCase[] {
  const cases: MalformedCase[] = [];
  const route = `${spec.method} ${spec.path}`;
  const push = (name: string, call: ApiCall, valid: boolean, field: string) => {
    if (valid && writes) return;
    cases.push({ name: `${route}: ${name}`, call, ...(valid ? { expect: 'no 5xx' as const } : { expect: 400, field }) });
  };

  for (const parameter of parametersOf(spec)) {
    for (const value of parameterValues(parameter.schema)) {
      const label = `${parameter.in}.${parameter.name}=${JSON.stringify(value.length > 40 ? `${value.slice(0, 20)}...(${value.length})` : value)}`;
      const call: ApiCall =
        parameter.in === 'path' ? { ...base, path: { ...base.path, [parameter.name]: value } } : { ...base, query: { ...base.query, [parameter.name]: value } };
      push(label, call, parameterValid(parameter.schema, value), `${parameter.in}.${parameter.name}`);
    }
  }
  // Unknown query parameters are refused on every route (the document says so).
  push('unknown query parameter', { ...base, query: { ...base.query, zzz_unknown: '1' } }, false, 'query.zzz_unknown');
  push('SQL-like query parameter name', { ...base, query: { ...base.query, "id' OR '1'='1": '1' } }, false, "query.id' OR '1'='1");

  const bodySchema = requestBodySchema(spec);
  if (!bodySchema) return cases;
  const validBody = base.body;
  const raw = (name: string, rawBody: string, contentType: string | undefined, expect: number, field?: string) =>
    cases.push({
      name: `${route}: ${name}`,
      call: { ...base, body: undefined, rawBody, headers: { ...base.headers, ...(contentType ? { 'content-type': contentType } : {}) } },
      expect,
      ...(field ? { field } : {}),
    });
  for (const text of ['{', "{'a': 1}", '{"a": 1,}', '\u0000']) raw(`bad JSON ${JSON.stringify(text)}`, text, 'application/json', 400, 'body');
  const validText = JSON.stringify(validBody);
  raw('text/plain content type', validText, 'text/plain', 415);
  raw('no content type', validText, undefined, 415);
  raw('JSON in another charset', validText, 'application/json; charset=latin1', 415);
  const limit = spec.maxBodyBytes ?? getConfig().http.maxBodyBytes;
  raw(`oversized body (${limit + 1} bytes)`, JSON.stringify({ padding: 'x'.repeat(limit + 1 - 14) }), 'application/json', 413);
  raw('oversized body far above the limit', JSON.stringify({ padding: 'x'.repeat(limit * 3) }), 'application/json', 413);
  // Wrong shapes: every JSON value that is not the documented object.
  for (const text of ['1', '"text"', 'null', '[]', `[${validText}]`, deepArray(5000), deepObject(5000)]) {
    raw(`JSON ${text.length > 40 ? `${text.slice(0, 12)}...(${text.length} characters)` : text} instead of an object`, text, 'application/json', 400, 'body*');
  }
  push('empty object', { ...base, body: {} }, isValid(bodySchema, {}), 'body*');
  const forms = objectForms(bodySchema);
  // A union's problems are named on the body as a whole.
  const fieldOf = (name: string) => (forms.length > 1 ? 'body*' : `body.${name}*`);
  for (const form of forms) {
    const properties = (form.properties ?? {}) as Record<string, JsonSchema>;
    const required = (form.required ?? []) as string[];
    const template = Object.fromEntries(Object.entries(validBody as Record<string, unknown>).filter(([key]) => key in properties));
    for (const missing of required) {
      const body = { ...template };
      delete body[missing];
      push(`missing ${missing}`, { ...base, body }, isValid(bodySchema, body), fieldOf(missing));
    }
    for (const [name, schema] of Object.entries(properties)) {
      for (const value of propertyValues(schema)) {
        const body = { ...template, [name]: value };
        push(`body.${name}=${JSON.stringify(value)?.slice(0, 40)}`, { ...base, body }, isValid(bodySchema, body), fieldOf(name));
      }
      push(`body.${name} deeply nested`, { ...base, body: { ...template, [name]: JSON.parse(deepObject(500)) as unknown } }, isValid(bodySchema, { ...template, [name]: {} }), fieldOf(name));
    }
    const extra = { ...template, zzz_unknown: 1 };
    push('unknown body field', { ...base, body: extra }, isValid(bodySchema, extra), 'body*');
  }
  return cases;
}
