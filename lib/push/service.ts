import { bearerToken, isUserActive, principalFromToken } from '../auth/index.js';
import { UnauthorizedError } from '../errors/index.js';
import { changeSubscriptions, findConnection, registerConnection, removeConnections } from './connections.js';
import { MAX_TOPICS_PER_CONNECTION, topicsMessage, type ClientReply, type TopicsMessage } from './messages.js';
import { findTripOwners } from './queries.js';
import { authorizeTopics, normalizeTopic, type TripOwnerLookup } from './topics.js';

/**
 * The WebSocket API's use cases (functions/push is their transport): admit a connection, change
 * its subscriptions, forget it. Replies are the protocol's messages (messages.ts).
 */

export interface ConnectRequest {
  connectionId: string;
  /** `?token=<access JWT>`: browsers cannot set headers on a WebSocket. */
  queryToken?: string | undefined;
  /** `Authorization: Bearer <access JWT>`, for other clients. */
  authorization?: string | undefined;
}

/**
 * Admits a connection whose access token is valid and whose account is active, by the HTTP API's
 * own check (lib/auth principalFromToken); throws `UnauthorizedError` (401) otherwise.
 */
export async function connect(request: ConnectRequest): Promise<void> {
  const token = request.queryToken ?? (request.authorization === undefined ? undefined : bearerToken(request.authorization));
  if (token === undefined) throw new UnauthorizedError('An access token is required: ?token=<access token> or Authorization: Bearer <access token>');
  const principal = await principalFromToken(token);
  await registerConnection(request.connectionId, principal);
}

export async function disconnect(connectionId: string): Promise<void> {
  await removeConnections([connectionId]);
}

const invalidMessage = (message: string): ClientReply => ({ type: 'error', code: 'invalid_message', message });

/** The message's action and topics, or the error reply naming what is wrong. */
export function parseTopicsMessage(body: string | undefined): TopicsMessage | ClientReply {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return invalidMessage('expected JSON: {"action":"subscribe"|"unsubscribe","topics":["fleet","driver:<id>","trip:<uuid>"]}');
  }
  const parsed = topicsMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalidMessage(`${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * Subscribes a connection to topics, all or nothing: the first topic that is not a topic, or that
 * the connection's user may not follow, refuses the whole message.
 */
export async function subscribe(connectionId: string, topics: readonly string[], tripOwners: TripOwnerLookup = findTripOwners): Promise<ClientReply> {
  const connection = await findConnection(connectionId);
  if (!connection || !(await isUserActive(connection.entry.userId))) {
    return { type: 'error', code: 'forbidden_topic', message: 'this connection is no longer authorized (expired or account deactivated); reconnect with a fresh token' };
  }
  const { entry } = connection;
  const decisions = await authorizeTopics({ userId: entry.userId, role: entry.role, driverId: entry.driverId }, topics, tripOwners);
  const refused = decisions.find((d) => !d.ok);
  if (refused && !refused.ok) return { type: 'error', code: refused.code, message: refused.message, topic: refused.topic };
  const granted = [...new Set(decisions.map((d) => d.topic))];
  const added = granted.filter((topic) => !connection.topics.includes(topic));
  if (connection.topics.length + added.length > MAX_TOPICS_PER_CONNECTION) {
    return invalidMessage(`a connection may follow at most ${MAX_TOPICS_PER_CONNECTION} topics; unsubscribe from some first`);
  }
  await changeSubscriptions(connectionId, { add: added, current: connection.topics });
  return { type: 'subscribed', topics: granted };
}

export async function unsubscribe(connectionId: string, topics: readonly string[]): Promise<ClientReply> {
  const requested = topics.map(normalizeTopic);
  const invalid = requested.find((r) => !r.ok);
  if (invalid && !invalid.ok) return { type: 'error', code: invalid.code, message: invalid.message, topic: invalid.topic };
  const unique = [...new Set(requested.map((r) => r.topic))];
  const connection = await findConnection(connectionId);
  if (connection) await changeSubscriptions(connectionId, { remove: unique.filter((t) => connection.topics.includes(t)), current: connection.topics });
  return { type: 'unsubscribed', topics: unique };
}

/** The answer to a message no route takes (`$default`): no or an unknown `action`, or not JSON. */
export function unknownAction(): ClientReply {
  return invalidMessage('unknown action: send {"action":"subscribe","topics":[...]} or {"action":"unsubscribe","topics":[...]}');
}

/**
 * A topics route (`subscribe`, `unsubscribe`: API Gateway routes on the message's action) as it
 * receives a message: the message parsed, then `useCase` on its topics, or the error reply naming
 * what is wrong with the message.
 */
export function onTopicsMessage(useCase: (connectionId: string, topics: readonly string[]) => Promise<ClientReply>) {
  return async (connectionId: string, body: string | undefined): Promise<ClientReply> => {
    const message = parseTopicsMessage(body);
    return 'type' in message ? message : useCase(connectionId, message.topics);
  };
}
