import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { checkHealth } from '../../lib/health/index.js';

export const handler = async (): Promise<APIGatewayProxyResultV2> => {
  const report = await checkHealth();
  return {
    statusCode: report.status === 'ok' ? 200 : 503,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(report),
  };
};
