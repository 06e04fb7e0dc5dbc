export { servedFiles } from './files.js';
export { headerOf, readJsonBody } from './request.js';
export { problemResponse, type ProblemBody } from './problem.js';
export {
  HttpResponse,
  JSON_CONTENT_TYPE,
  NO_STORE,
  asResponse,
  created,
  json,
  noContent,
  text,
  toApiGatewayResult,
  type ResponseOptions,
} from './response.js';
export { problemSchema } from './schemas.js';
