import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { getConfig } from '../config/index.js';

/**
 * The API Gateway Management API of the WebSocket API: posts a message to one connection. One
 * client per instance (created on first use, reused by warm invocations) with keep-alive
 * connections, as many sockets as posts run at once, and no retries: a post that fails or times
 * out is counted by the publisher and the message skipped for that connection, never retried
 * while the caller waits. Locally serverless-offline serves the API on its websocket port.
 */

/** Placeholder credentials for serverless-offline, which checks no signature (config.push.localCredentials). */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export type PostOutcome = 'delivered' | 'gone' | 'timed_out' | 'failed';

let client: ApiGatewayManagementApiClient | undefined;

function gatewayClient(): ApiGatewayManagementApiClient {
  if (!client) {
    const { push, s3 } = getConfig();
    const agentOptions = { keepAlive: true, maxSockets: push.concurrency };
    client = new ApiGatewayManagementApiClient({
      endpoint: push.endpoint,
      region: s3.region,
      maxAttempts: 1,
      // The per-post requestTimeout is an error, not the handler's default warning.
      requestHandler: { httpAgent: new HttpAgent(agentOptions), httpsAgent: new HttpsAgent(agentOptions), throwOnRequestTimeout: true },
      ...(push.localCredentials ? { credentials: LOCAL_CREDENTIALS } : {}),
    });
  }
  return client;
}

/**
 * Posts `data` to a connection. Gives up when the request has been silent for `timeoutMs` (the
 * HTTP handler's timer on the socket, which leaves out the post's wait for this instance's CPU) or
 * when `signal` aborts (the publisher's deadline; one signal shared by every post of a publish: a
 * timer per post cost as much again as the post's own work in the SDK). Never throws.
 */
export async function postToConnection(connectionId: string, data: Uint8Array, timeoutMs: number, signal: AbortSignal): Promise<{ outcome: PostOutcome; error?: unknown }> {
  try {
    await gatewayClient().send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }), { abortSignal: signal, requestTimeout: timeoutMs });
    return { outcome: 'delivered' };
  } catch (error) {
    return { outcome: classify(error), error };
  }
}

function classify(error: unknown): PostOutcome {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'GoneException' || e.$metadata?.httpStatusCode === 410) return 'gone';
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed_out';
  return 'failed';
}

/** Drops the instance's client (tests that change the endpoint). */
export function resetGatewayClient(): void {
  client?.destroy();
  client = undefined;
}
