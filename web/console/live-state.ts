/**
 * What the live panel shows, folded from the push messages of the `fleet` topic (the push API's
 * contract: `{topic, type, at, data}`). Pure: the WebSocket client feeds it, the panel renders it,
 * a unit test drives it with messages.
 */

export interface LiveTrip {
  tripId: string;
  driverId: number;
  startedAt: string;
  endedAt: string | null;
  distanceKm: number | null;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
  lagSeconds: number | null;
}

export interface LiveState {
  /** Events ingested fleet-wide since the panel subscribed (sum of the counters' `events`). */
  events: number;
  eventsPerSecond: number | null;
  tripsStarted: number;
  tripsEnded: number;
  deadLettered: number;
  lag: { groupId: string; total: number; partitions: PartitionLag[] } | null;
  /** Newest first, at most `MAX_TRIPS`. */
  trips: LiveTrip[];
  lastMessageAt: string | null;
}

export const MAX_TRIPS = 20;

export const EMPTY_LIVE_STATE: LiveState = {
  events: 0,
  eventsPerSecond: null,
  tripsStarted: 0,
  tripsEnded: 0,
  deadLettered: 0,
  lag: null,
  trips: [],
  lastMessageAt: null,
};

export interface PushMessage {
  topic: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/**
 * What one message on the socket says, parsed once: the push API's replies to the subscribe
 * (`subscribed`, or `error` with its code), a push, or anything else (ignored).
 */
export type SocketMessage =
  | { kind: 'subscribed' }
  | { kind: 'refused'; code: string }
  | { kind: 'push'; message: PushMessage }
  | { kind: 'other' };

export function readSocketMessage(raw: string): SocketMessage {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { kind: 'other' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'other' };
  const { topic, type, at, data, code } = value as Record<string, unknown>;
  if (type === 'subscribed') return { kind: 'subscribed' };
  if (type === 'error') return { kind: 'refused', code: typeof code === 'string' ? code : 'error' };
  if (typeof topic !== 'string' || typeof type !== 'string' || typeof data !== 'object' || data === null) return { kind: 'other' };
  return { kind: 'push', message: { topic, type, at: typeof at === 'string' ? at : '', data: data as Record<string, unknown> } };
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const numOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function withTrip(trips: readonly LiveTrip[], data: Record<string, unknown>): LiveTrip[] {
  const tripId = str(data.tripId);
  if (tripId === null) return [...trips];
  const existing = trips.find((t) => t.tripId === tripId);
  const trip: LiveTrip = {
    tripId,
    driverId: num(data.driverId ?? existing?.driverId),
    startedAt: str(data.startedAt) ?? existing?.startedAt ?? '',
    endedAt: str(data.endedAt) ?? existing?.endedAt ?? null,
    distanceKm: numOrNull(data.distanceKm) ?? existing?.distanceKm ?? null,
  };
  return [trip, ...trips.filter((t) => t.tripId !== tripId)].slice(0, MAX_TRIPS);
}

export function applyPush(state: LiveState, message: PushMessage): LiveState {
  const { data } = message;
  const next: LiveState = { ...state, lastMessageAt: message.at || state.lastMessageAt };
  switch (message.type) {
    case 'fleet.counters':
      return {
        ...next,
        events: state.events + num(data.events),
        eventsPerSecond: numOrNull(data.eventsPerSecond),
        tripsStarted: state.tripsStarted + num(data.tripsStarted),
        tripsEnded: state.tripsEnded + num(data.tripsEnded),
        deadLettered: state.deadLettered + num(data.deadLettered),
      };
    case 'trip.started':
    case 'trip.ended':
      return { ...next, trips: withTrip(state.trips, data) };
    case 'metrics.lag': {
      const partitions = Array.isArray(data.partitions) ? (data.partitions as Record<string, unknown>[]) : [];
      return {
        ...next,
        lag: {
          groupId: str(data.groupId) ?? '',
          total: num(data.total),
          partitions: partitions
            .map((p) => ({ topic: str(p.topic) ?? '', partition: num(p.partition), lag: num(p.lag), lagSeconds: numOrNull(p.lagSeconds) }))
            .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
        },
      };
    }
    default:
      return next;
  }
}
