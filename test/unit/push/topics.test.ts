import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../lib/auth/index.js';
import { authorizeTopics, MAX_TOPIC_LENGTH, normalizeTopic, parseTopic, type TripOwnerLookup } from '../../../lib/push/topics.js';

const ADMIN: Principal = { userId: 1, role: 'admin', driverId: null };
const DRIVER_7: Principal = { userId: 2, role: 'driver', driverId: 7 };
const OWN_TRIP = '3f0c6a9e-1b2d-4c5e-8f90-a1b2c3d4e5f6';
const OTHERS_TRIP = '0a0a0a0a-1b2d-4c5e-8f90-a1b2c3d4e5f6';
const NO_SUCH_TRIP = 'ffffffff-1b2d-4c5e-8f90-a1b2c3d4e5f6';

/** The database's answer: who owns which trip; records what it was asked. */
function owners(): TripOwnerLookup & { asked: string[][] } {
  const asked: string[][] = [];
  const lookup = (ids: readonly string[]) => {
    asked.push([...ids]);
    const known = new Map([[OWN_TRIP, 7], [OTHERS_TRIP, 8]]);
    return Promise.resolve(new Map(ids.flatMap((id) => (known.has(id) ? [[id, known.get(id) as number] as const] : []))));
  };
  return Object.assign(lookup, { asked });
}

const decide = async (principal: Principal, topic: string) => (await authorizeTopics(principal, [topic], owners()))[0];

describe('parseTopic', () => {
  it.each([
    ['fleet', { kind: 'fleet' }],
    ['driver:42', { kind: 'driver', driverId: 42 }],
    [`trip:${OWN_TRIP.toUpperCase()}`, { kind: 'trip', tripId: OWN_TRIP }],
  ])('reads %s', (name, topic) => {
    expect(parseTopic(name)).toEqual(topic);
  });

  it.each(['', 'Fleet', 'fleet ', 'driver:', 'driver:0', 'driver:042', 'driver:-1', 'driver:1.5', 'driver:12345678901234567', 'trip:9001', 'trip:not-a-uuid', 'drivers:1', `trip:${OWN_TRIP}x`])(
    'refuses %j',
    (name) => {
      expect(parseTopic(name)).toBeUndefined();
    },
  );
});

describe('normalizeTopic', () => {
  it('names a topic canonically (trip ids lower-case), with what it denotes', () => {
    expect(normalizeTopic(`trip:${OWN_TRIP.toUpperCase()}`)).toEqual({ topic: `trip:${OWN_TRIP}`, ok: true, parsed: { kind: 'trip', tripId: OWN_TRIP } });
    expect(normalizeTopic('driver:42')).toEqual({ topic: 'driver:42', ok: true, parsed: { kind: 'driver', driverId: 42 } });
  });

  it('refuses a name that is not a topic, quoting at most MAX_TOPIC_LENGTH characters of it', () => {
    const long = `driver:${'9'.repeat(200)}`;
    const refusal = normalizeTopic(long);
    expect(refusal).toMatchObject({ topic: long, ok: false, code: 'invalid_topic' });
    expect(!refusal.ok && refusal.message).toBe(`"${long.slice(0, MAX_TOPIC_LENGTH)}" is not a topic: expected fleet, driver:<id> or trip:<uuid>`);
  });
});

describe('authorizeTopics', () => {
  it.each([
    ['fleet', true],
    ['driver:7', true],
    ['driver:8', true],
    [`trip:${OTHERS_TRIP}`, true],
    [`trip:${NO_SUCH_TRIP}`, true],
  ])('lets an admin subscribe to %s', async (topic, ok) => {
    expect(await decide(ADMIN, topic)).toMatchObject({ ok });
  });

  it.each([
    ['driver:7', true, undefined],
    [`trip:${OWN_TRIP}`, true, undefined],
    ['fleet', false, 'forbidden_topic'],
    ['driver:8', false, 'forbidden_topic'],
    [`trip:${OTHERS_TRIP}`, false, 'forbidden_topic'],
    [`trip:${NO_SUCH_TRIP}`, false, 'forbidden_topic'],
    ['driver:x', false, 'invalid_topic'],
  ])('a driver subscribing to %s: allowed %s (%s)', async (topic, ok, code) => {
    const decision = await decide(DRIVER_7, topic);
    expect(decision?.ok).toBe(ok);
    if (!ok) expect(decision).toMatchObject({ code });
  });

  it('answers with canonical names (trip ids lower-case), one decision per requested topic in order', async () => {
    const decisions = await authorizeTopics(DRIVER_7, [`trip:${OWN_TRIP.toUpperCase()}`, 'driver:7', 'fleet'], owners());
    expect(decisions.map((d) => [d.topic, d.ok])).toEqual([[`trip:${OWN_TRIP}`, true], ['driver:7', true], ['fleet', false]]);
  });

  it("looks trips up once per message for a driver, never for an admin", async () => {
    const forDriver = owners();
    await authorizeTopics(DRIVER_7, [`trip:${OWN_TRIP}`, `trip:${OTHERS_TRIP}`, `trip:${OWN_TRIP}`], forDriver);
    const forAdmin = owners();
    await authorizeTopics(ADMIN, [`trip:${OWN_TRIP}`], forAdmin);

    expect(forDriver.asked).toEqual([[OWN_TRIP, OTHERS_TRIP]]);
    expect(forAdmin.asked).toEqual([]);
  });

  it('refuses a driver login without a driver id every driver and trip topic', async () => {
    const orphan: Principal = { userId: 3, role: 'driver', driverId: null };
    const decisions = await authorizeTopics(orphan, ['driver:7', `trip:${OWN_TRIP}`], owners());
    expect(decisions.map((d) => d.ok)).toEqual([false, false]);
  });
});
