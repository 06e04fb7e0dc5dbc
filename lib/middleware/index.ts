export { httpHandler, type HttpApiHandler, type HttpRequest, type HttpRouteOptions } from './http.js';
export { batchHandler, type BatchContext } from './batch.js';
export { websocketHandler, type WebSocketResult } from './websocket.js';
