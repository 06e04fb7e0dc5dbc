import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../lib/metrics/index.js';

export function handler(): Promise<APIGatewayProxyResultV2> {
  return Promise.resolve({
    statusCode: 200,
    headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' },
    body: renderPrometheus(),
  });
}
