export { driverDayTrips, isNight, simulateTrip } from './driving.js';
export type { DrivingOptions, EventType, HarshThresholds, SimulatedEvent, SimulatedTrip, SimulatedTripSummary } from './driving.js';
export { generateDriver } from './people.js';
export type { DrivingTraits, SyntheticDriver } from './people.js';
export { Random } from './random.js';
export * from './dataset.js';
