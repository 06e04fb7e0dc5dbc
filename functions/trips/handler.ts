import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

export function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  return Promise.resolve({
    statusCode: 501,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: { code: 'not_implemented', message: `${event.routeKey} is not implemented yet` } }),
  });
}
