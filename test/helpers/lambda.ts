import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** Builders for the events API Gateway HTTP API (payload v2) and Lambda hand a function. */

export interface EventInit {
  method?: string;
  path?: string;
  routeKey?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  requestId?: string;
  /** The client address API Gateway reports (`requestContext.http.sourceIp`). Default 127.0.0.1. */
  sourceIp?: string;
}

export function httpEvent(init: EventInit = {}): APIGatewayProxyEventV2 {
  const method = init.method ?? 'GET';
  const path = init.path ?? '/';
  return {
    version: '2.0',
    routeKey: init.routeKey ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(init.query ?? {}).toString(),
    headers: init.headers ?? {},
    ...(init.query ? { queryStringParameters: init.query } : {}),
    ...(init.pathParameters ? { pathParameters: init.pathParameters } : {}),
    ...(init.body === undefined ? {} : { body: init.body }),
    isBase64Encoded: init.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: init.sourceIp ?? '127.0.0.1', userAgent: 'vitest' },
      requestId: init.requestId ?? 'apigw-request-id',
      routeKey: init.routeKey ?? `${method} ${path}`,
      stage: '$default',
      time: '01/Jan/2030:00:00:00 +0000',
      timeEpoch: 1_893_456_000_000,
    },
  };
}

export function jsonEvent(body: unknown, init: EventInit = {}): APIGatewayProxyEventV2 {
  return httpEvent({ method: 'POST', ...init, headers: { 'content-type': 'application/json', ...init.headers }, body: JSON.stringify(body) });
}

export function lambdaContext(awsRequestId = 'lambda-request-id'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test-function',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-function',
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: '/aws/lambda/test-function',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The JSON body of a result. */
export function bodyOf<T = Record<string, unknown>>(result: { body?: string }): T {
  return JSON.parse(result.body ?? 'null') as T;
}
