import { ForbiddenError } from '../errors/index.js';

export const ROLES = ['driver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as proven by a verified token. */
export interface Principal {
  userId: number;
  role: Role;
  /** The driver this login belongs to; null for admins. */
  driverId: number | null;
}

/** Route access levels, least privileged first: admins may do everything drivers may. */
export type AccessLevel = 'public' | Role;

export function hasAccess(principal: Principal, level: Exclude<AccessLevel, 'public'>): boolean {
  return level === 'driver' || principal.role === 'admin';
}

export function assertAccess(principal: Principal, level: Exclude<AccessLevel, 'public'>): void {
  if (!hasAccess(principal, level)) throw new ForbiddenError(`This operation requires the ${level} role`);
}

/** "A driver may read only its own data": admins read any driver, a driver only its own driver id. */
export function assertCanReadDriver(principal: Principal, driverId: number): void {
  if (principal.role === 'admin') return;
  if (principal.driverId === null || principal.driverId !== driverId) {
    throw new ForbiddenError('Drivers may only access their own data');
  }
}

/** The driver id behind a `/me` route; admins have none. */
export function ownDriverId(principal: Principal): number {
  if (principal.driverId === null) throw new ForbiddenError('This login is not linked to a driver');
  return principal.driverId;
}
