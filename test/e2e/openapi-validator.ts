import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { openApiDocument } from '../../lib/openapi/index.js';

/**
 * Checks an answer of the API against the OpenAPI document it serves: the status must be one the
 * operation documents, the content type one documented for that status (media ranges such as
 * `text/*` allowed), and the body must validate against the documented schema (JSON Schema 2020-12
 * with formats, so `date-time`, `uuid` and `email` are checked too). A 204 or a status documented
 * without content must come without a body. e2e suites call it on every response they receive.
 */

// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext resolution.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

type JsonObject = Record<string, unknown>;

export interface ObservedResponse {
  method: string;
  /** The path template as documented, e.g. `/api/v1/drivers/{driverId}`. */
  route: string;
  status: number;
  /** The Content-Type header, or null when the answer has none. */
  contentType: string | null;
  /** The body as received. */
  text: string;
}

const document = openApiDocument() as { paths: Record<string, Record<string, JsonObject>>; components: JsonObject };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validators = new WeakMap<JsonObject, ValidateFunction>();
let compiled = 0;

/**
 * A validator of a schema taken from the document. Its `#/components/schemas/...` references are
 * resolved against the components placed beside it, under an id of its own (schemas without one
 * would share a base URI and resolve each other's references).
 */
export function documentedSchemaValidator(schema: JsonObject): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    compiled += 1;
    validate = ajv.compile({ $id: `urn:telematics:openapi:${compiled}`, ...schema, components: document.components });
    validators.set(schema, validate);
  }
  return validate;
}

function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function matchesRange(actual: string, documented: string): boolean {
  const range = mediaType(documented);
  if (range === '*/*') return true;
  if (range.endsWith('/*')) return actual.startsWith(range.slice(0, -1));
  return actual === range;
}

/** The problems of `response` against the document; empty when it conforms. */
export function responseProblems(response: ObservedResponse): string[] {
  const where = `${response.method.toUpperCase()} ${response.route} -> ${response.status}`;
  const operation = document.paths[response.route]?.[response.method.toLowerCase()];
  if (!operation) return [`${where}: the document has no such operation`];
  const responses = operation.responses as Record<string, { content?: Record<string, { schema?: JsonObject }> }>;
  const documented = responses[String(response.status)];
  if (!documented) return [`${where}: status not documented (documented: ${Object.keys(responses).join(', ')})`];
  if (!documented.content) {
    return response.text === '' ? [] : [`${where}: documented without content, got a body of ${response.text.length} characters`];
  }
  if (response.contentType === null) return [`${where}: no Content-Type, documented ${Object.keys(documented.content).join(', ')}`];
  const actual = mediaType(response.contentType);
  const entry = Object.entries(documented.content).find(([range]) => matchesRange(actual, range));
  if (!entry) return [`${where}: Content-Type ${response.contentType} not documented (documented: ${Object.keys(documented.content).join(', ')})`];
  const [, { schema }] = entry;
  if (!schema) return [];
  let body: unknown = response.text;
  if (actual === 'application/json' || actual.endsWith('+json')) {
    try {
      body = JSON.parse(response.text) as unknown;
    } catch {
      return [`${where}: Content-Type ${response.contentType} but the body is not JSON: ${response.text.slice(0, 200)}`];
    }
  }
  const validate = documentedSchemaValidator(schema);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${where}: body${e.instancePath} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`);
}

/** Throws, naming every problem, unless `response` conforms to the document. */
export function assertDocumentedResponse(response: ObservedResponse): void {
  const problems = responseProblems(response);
  if (problems.length > 0) throw new Error(`Response does not match the OpenAPI document:\n  ${problems.join('\n  ')}\n  body: ${response.text.slice(0, 500)}`);
}
