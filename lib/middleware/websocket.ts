import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { isAppError } from '../errors/index.js';
import { addLogKeys, getLogger } from '../logger/index.js';
import { batchHandler } from './batch.js';

/**
 * The stack of a WebSocket API function (API Gateway WebSocket API, serverless-offline's `websocket`
 * events): the batch stack (correlation id, logs, duration metrics) around a dispatch by route key,
 * `$connect`, `$disconnect`, a route of `$request.body.action`, or `$default` for any other message.
 *
 * A route answers `{statusCode, body?}`: at `$connect` a non-2xx status refuses the connection; on
 * a route declared with `routeResponseSelectionExpression: $default` the body is sent back to the
 * client. An `AppError` (a refused token) becomes its status; anything else is a bug or an outage,
 * rethrown (API Gateway answers it as an internal error).
 */

/** The WebSocket event; `$connect` also carries the upgrade request's headers. */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & { headers?: Record<string, string | undefined> };

export interface WebSocketResult {
  statusCode: number;
  body?: string;
}

export type WebSocketRoutes = Readonly<Record<string, (event: WebSocketEvent) => Promise<WebSocketResult>>> & { $default: (event: WebSocketEvent) => Promise<WebSocketResult> };

export function websocketHandler(name: string, routes: WebSocketRoutes) {
  return batchHandler(name, async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const { routeKey, connectionId } = event.requestContext;
    addLogKeys({ route: routeKey, connection_id: connectionId });
    const route = routes[routeKey] ?? routes.$default;
    try {
      return await route(event);
    } catch (error) {
      if (!isAppError(error)) throw error;
      getLogger().info('websocket request refused', { status: error.status, code: error.code, reason: error.message });
      return { statusCode: error.status, body: JSON.stringify({ error: { code: error.code, message: error.message } }) };
    }
  });
}
