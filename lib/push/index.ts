export { connect, disconnect, onTopicsMessage, subscribe, unknownAction, unsubscribe } from './service.js';
export { publish, publishMany, type PublishReport } from './publisher.js';
export { addFleetCounters, fleetCountersMessage } from './counters.js';
export { changeSubscriptions, findConnection, registerConnection, removeConnections, subscribersOf } from './connections.js';
export { resetGatewayClient } from './gateway.js';
export type { ClientReply, Publication, PushData, PushMessage, TripData } from './messages.js';
export { FLEET_TOPIC, driverTopic, tripTopic } from './topics.js';
