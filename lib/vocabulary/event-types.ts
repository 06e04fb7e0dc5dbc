/** The event types the schema allows (telematics_events.event_type CHECK, migrations/001). */
export const EVENT_TYPES = ['position', 'trip_start', 'trip_end', 'harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The safety events: what the dashboard's breakdown and the risk features count. */
export const SAFETY_EVENT_TYPES = ['harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding'] as const satisfies readonly EventType[];
export type SafetyEventType = (typeof SAFETY_EVENT_TYPES)[number];
