import { headerOf } from '../../lib/http/index.js';
import { websocketHandler, type WebSocketResult } from '../../lib/middleware/index.js';
import { connect, disconnect, onTopicsMessage, subscribe, unknownAction, unsubscribe, type ClientReply } from '../../lib/push/index.js';

/**
 * The WebSocket API (README "Real-time push"): `$connect` admits a valid access token
 * (`?token=` or `Authorization: Bearer`), `subscribe` / `unsubscribe` change the connection's
 * topics and answer on the connection, `$default` answers any other message with an error,
 * `$disconnect` forgets the connection. Messages are pushed by lib/push's publisher.
 */

const answer = (reply: ClientReply): WebSocketResult => ({ statusCode: 200, body: JSON.stringify(reply) });
const subscribeMessage = onTopicsMessage(subscribe);
const unsubscribeMessage = onTopicsMessage(unsubscribe);

export const handler = websocketHandler('push', {
  $connect: async (event) => {
    await connect({ connectionId: event.requestContext.connectionId, queryToken: event.queryStringParameters?.token, authorization: headerOf({ headers: event.headers ?? {} }, 'authorization') });
    return { statusCode: 200 };
  },
  $disconnect: async (event) => {
    await disconnect(event.requestContext.connectionId);
    return { statusCode: 200 };
  },
  subscribe: async (event) => answer(await subscribeMessage(event.requestContext.connectionId, event.body)),
  unsubscribe: async (event) => answer(await unsubscribeMessage(event.requestContext.connectionId, event.body)),
  $default: () => Promise.resolve(answer(unknownAction())),
});
