export { httpHandler, type HttpApiHandler, type HttpRequest, type HttpRouteOptions } from './http.js';
export { batchHandler, type BatchContext } from './batch.js';
export { websocketHandler, type WebSocketEvent, type WebSocketResult, type WebSocketRoutes } from './websocket.js';
