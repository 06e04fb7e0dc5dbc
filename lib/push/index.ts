export { connect, disconnect, onTopicsMessage, parseTopicsMessage, subscribe, unknownAction, unsubscribe, type ConnectRequest } from './service.js';
export { publish, publishMany, type PublishReport } from './publisher.js';
export { FLEET_COUNTERS_INTERVAL_MS, addFleetCounters, fleetCountersMessage, type FleetCounts } from './counters.js';
export { changeSubscriptions, connectionKeys, findConnection, registerConnection, removeConnections, subscribersOf, type ConnectionEntry } from './connections.js';
export { resetGatewayClient } from './gateway.js';
export {
  MAX_TOPICS_PER_CONNECTION,
  MAX_TOPICS_PER_MESSAGE,
  type ClientReply,
  type ErrorCode,
  type Publication,
  type PushData,
  type PushMessage,
  type PushType,
  type TripData,
} from './messages.js';
export { findTripOwners, pushSql } from './queries.js';
export { FLEET_TOPIC, authorizeTopics, driverTopic, parseTopic, topicName, tripTopic, type Topic, type TopicDecision, type TripOwnerLookup } from './topics.js';
