import { describe, expect, it } from 'vitest';
import { consoleSecurityPolicy, pushSocketUrl } from '../../../lib/console/index.js';

describe('the console page and its policy', () => {
  it('opens the WebSocket at the push Management API endpoint, https becoming wss', () => {
    expect(pushSocketUrl('https://abc123.execute-api.eu-west-1.amazonaws.com/prod')).toBe('wss://abc123.execute-api.eu-west-1.amazonaws.com/prod');
    expect(pushSocketUrl('http://localhost:3001')).toBe('ws://localhost:3001');
  });

  it('refuses an endpoint that would add to the page or its policy', () => {
    expect(() => pushSocketUrl("http://localhost:3001/x; script-src 'unsafe-inline'")).toThrow(/PUSH_ENDPOINT/);
    expect(() => pushSocketUrl('http://localhost:3001/"><script>')).toThrow(/PUSH_ENDPOINT/);
  });

  it('allows scripts and styles from the API only, and connections to the API and the push socket', () => {
    const policy = consoleSecurityPolicy('wss://push.example.com/prod');

    expect(policy.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self' wss://push.example.com/prod",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ]);
  });
});
