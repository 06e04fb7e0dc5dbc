import { describe, expect, it } from 'vitest';
import { consolePage, consoleSecurityPolicy, pushSocketUrl } from '../../../lib/console/index.js';
import { withEnv } from '../../helpers/config.js';

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

  it('names the configured push endpoint in the page and its policy, and follows a configuration change', async () => {
    const served = (endpoint: string) => withEnv({ PUSH_ENDPOINT: endpoint }, () => consolePage());

    for (const [endpoint, url] of [['https://push.example.com/prod', 'wss://push.example.com/prod'], ['http://127.0.0.1:3001', 'ws://127.0.0.1:3001']]) {
      const response = await served(endpoint as string);
      expect(response.body).toContain(`<meta name="telematics-push-url" content="${url}">`);
      expect(response.headers['content-security-policy']).toContain(`connect-src 'self' ${url};`);
    }
  });
});

