import { describe, expect, it } from 'vitest';
import { MAX_TOPICS_PER_MESSAGE } from '../../../lib/push/messages.js';
import type { ClientReply } from '../../../lib/push/messages.js';
import { onTopicsMessage, parseTopicsMessage, unsubscribe } from '../../../lib/push/service.js';
import { authorizeTopics } from '../../../lib/push/topics.js';
import { adminPrincipal } from '../../helpers/api.js';

describe('parseTopicsMessage', () => {
  it('reads a subscribe and an unsubscribe message', () => {
    expect(parseTopicsMessage('{"action":"subscribe","topics":["fleet","driver:1"]}')).toEqual({ action: 'subscribe', topics: ['fleet', 'driver:1'] });
    expect(parseTopicsMessage('{"action":"unsubscribe","topics":["fleet"]}')).toEqual({ action: 'unsubscribe', topics: ['fleet'] });
  });

  it.each([
    ['not JSON', 'subscribe fleet', /expected JSON/],
    ['no body', undefined, /expected JSON/],
    ['no topics', '{"action":"subscribe"}', /^topics: /],
    ['topics not a list', '{"action":"subscribe","topics":"fleet"}', /^topics: /],
    ['an empty list', '{"action":"subscribe","topics":[]}', /^topics: /],
    ['a topic not a string', '{"action":"subscribe","topics":[1]}', /^topics\.0: /],
    ['an unknown field', '{"action":"subscribe","topics":["fleet"],"since":1}', /since/],
    ['too many topics', JSON.stringify({ action: 'subscribe', topics: Array.from({ length: MAX_TOPICS_PER_MESSAGE + 1 }, (_, i) => `driver:${i + 1}`) }), /^topics: /],
  ])('answers invalid_message to %s, naming the problem', (_case, body, message) => {
    const reply = parseTopicsMessage(body);
    expect(reply).toMatchObject({ type: 'error', code: 'invalid_message' });
    expect((reply as { message: string }).message).toMatch(message);
  });
});

describe('onTopicsMessage', () => {
  const calls: Array<[string, readonly string[]]> = [];
  const route = onTopicsMessage((connectionId, topics): Promise<ClientReply> => {
    calls.push([connectionId, topics]);
    return Promise.resolve({ type: 'subscribed', topics: [...topics] });
  });

  it('hands the message’s topics to the route’s use case and answers its reply', async () => {
    calls.length = 0;
    expect(await route('c-1', '{"action":"subscribe","topics":["fleet"]}')).toEqual({ type: 'subscribed', topics: ['fleet'] });
    expect(calls).toEqual([['c-1', ['fleet']]]);
  });

  it('answers a malformed message itself, without the use case', async () => {
    calls.length = 0;
    expect(await route('c-1', '{"action":"subscribe"}')).toMatchObject({ type: 'error', code: 'invalid_message' });
    expect(calls).toEqual([]);
  });
});

describe('unsubscribe', () => {
  it.each([
    ['a malformed driver id', 'driver:x'],
    ['a name in the wrong case', 'Fleet'],
    ['an over-long name', `trip:${'f'.repeat(200)}`],
  ])('refuses %s, before reading any subscription, exactly as subscribe does', async (_case, name) => {
    const [decision] = await authorizeTopics(adminPrincipal, [name], () => Promise.resolve(new Map()));

    expect(decision).toMatchObject({ ok: false, code: 'invalid_topic' });
    expect(await unsubscribe('c-1', ['fleet', name])).toEqual({ type: 'error', code: 'invalid_topic', message: (decision as { message: string }).message, topic: name });
  });
});
