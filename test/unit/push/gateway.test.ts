import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { ApiGatewayManagementApiClient, PostToConnectionCommand, type ApiGatewayManagementApiClientConfig } from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PostAbortedError, PostRefusedError, PostTimeoutError, postToConnection, resetGatewayClient } from '../../../lib/push/gateway.js';
import { setEnv } from '../../helpers/config.js';

/**
 * lib/push/gateway.ts on real sockets, against a local HTTP server standing in for the API Gateway
 * Management API (test/e2e/push covers serverless-offline's). The reference for what a post must
 * look like on the wire is the SDK's PostToConnectionCommand: for the same credentials, clock and
 * body, the path and the SigV4 headers must be the SDK's, byte for byte.
 *
 * Connection ids tell the server what to do: `gone-*` 410, `refused-*` 403, `slow-*` never answer;
 * anything else 200.
 */

const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-1' };
const SIGNING_TIME = new Date('2026-02-03T04:05:06.000Z');
const BODY = new TextEncoder().encode('{"topic":"fleet","type":"metrics.gauges","at":"2026-02-03T04:05:06.000Z","data":{"n":1}}');
/** What API Gateway (ids like `L0SM9cOFvHcCIhw=`) and offline (UUIDs) produce, and every character the SDK encodes specially. */
const CONNECTION_IDS = ['L0SM9cOFvHcCIhw=', 'a+b/c==', '3f0c6a9e-1b2d-4c5e-8f90-a1b2c3d4e5f6', "x!'()*~ y", 'ü@:;,&$#?%'];
/** The SigV4 part of a request, and what it covers. */
const SIGNED = ['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token', 'host', 'content-type', 'content-length'] as const;

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: Server;
let endpoint: string;
const received: Received[] = [];
const held: ServerResponse[] = [];
const heldCredentials: ServerResponse[] = [];
let connections = 0;
let restoreEnv: () => void;

beforeAll(async () => {
  server = createServer((request, response) => {
    // The container credentials endpoint of the provider chain, for the test that signs slowly.
    if (request.url === '/credentials') return void heldCredentials.push(response);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
      const id = decodeURIComponent(request.url?.split('/').pop() ?? '');
      if (id.startsWith('slow-')) return void held.push(response);
      if (id.startsWith('gone-')) return void response.writeHead(410, { 'x-amzn-errortype': 'GoneException:http://internal.amazon.com/coral/com.amazonaws.apigateway/' }).end('{"message":null}');
      if (id.startsWith('refused-')) return void response.writeHead(403, { 'x-amzn-errortype': 'ForbiddenException' }).end('{"message":"Forbidden"}');
      response.writeHead(200).end();
    });
  });
  server.on('connection', () => (connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  // A deployed stage's endpoint has the stage as its path.
  endpoint = `http://127.0.0.1:${address.port}/prod`;
});

beforeEach(() => {
  received.length = 0;
  connections = 0;
  restoreEnv = setEnv({
    PUSH_ENDPOINT: endpoint,
    AWS_REGION: REGION,
    // Credentials from the default provider chain (its first link: the environment), as in Lambda.
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
    AWS_CREDENTIAL_EXPIRATION: undefined,
    AWS_PROFILE: undefined,
  });
  resetGatewayClient();
});

afterEach(() => {
  vi.useRealTimers();
  for (const response of held.splice(0)) response.destroy();
  resetGatewayClient();
  restoreEnv();
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const never = () => new AbortController().signal;

/** The request the SDK's client would send for the same post: its HttpRequest, recorded instead of sent. */
async function sdkRequest(connectionId: string): Promise<{ path: string; headers: Record<string, string>; body: Buffer }> {
  let recorded: { path: string; headers: Record<string, string>; body: Uint8Array } | undefined;
  const recorder = {
    handle: (request: { path: string; headers: Record<string, string>; body: Uint8Array }) => {
      recorded = request;
      return Promise.resolve({ response: { statusCode: 200, headers: {} } });
    },
  } as unknown as NonNullable<ApiGatewayManagementApiClientConfig['requestHandler']>;
  const client = new ApiGatewayManagementApiClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1, requestHandler: recorder });
  // Headers of the SDK's own bookkeeping that it signs too and a lean post has no use for: its
  // user agent, and the retry middleware's invocation id and attempt count (we never retry).
  client.middlewareStack.remove('getUserAgentMiddleware');
  client.middlewareStack.addRelativeTo(
    ((next: (args: { request: { headers: Record<string, string> } }) => Promise<unknown>) => (args: { request: { headers: Record<string, string> } }) => {
      delete args.request.headers['amz-sdk-invocation-id'];
      delete args.request.headers['amz-sdk-request'];
      return next(args);
    }) as unknown as Parameters<typeof client.middlewareStack.addRelativeTo>[0],
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'withoutRetryHeaders' },
  );
  await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: BODY }));
  if (!recorded) throw new Error('the SDK sent nothing');
  return { path: recorded.path, headers: recorded.headers, body: Buffer.from(recorded.body) };
}

const signedPart = (headers: IncomingHttpHeaders | Record<string, string>) => Object.fromEntries(SIGNED.map((name) => [name, headers[name]]));

describe('postToConnection', () => {
  it.each(CONNECTION_IDS)('sends a post to %j as the SDK does: same path, same body, same SigV4 headers', async (connectionId) => {
    vi.useFakeTimers({ toFake: ['Date'], now: SIGNING_TIME });
    const expected = await sdkRequest(connectionId);

    const { outcome } = await postToConnection(connectionId, BODY, 1000, never());

    expect(outcome).toBe('delivered');
    expect(received).toHaveLength(1);
    const [sent] = received as [Received];
    expect(sent.url).toBe(expected.path);
    expect(decodeURIComponent(sent.url)).toBe(`/prod/@connections/${connectionId}`);
    expect(sent.body).toEqual(expected.body);
    expect(signedPart(sent.headers)).toEqual(signedPart(expected.headers));
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260203\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
  });

  it('keeps the credentials of the provider chain until they are about to expire, then takes the new ones', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: SIGNING_TIME });
    const expiration = new Date(SIGNING_TIME.getTime() + 60 * 60_000);
    process.env.AWS_CREDENTIAL_EXPIRATION = expiration.toISOString();
    const keyOf = () => /Credential=(\w+)\//.exec(received.at(-1)?.headers.authorization ?? '')?.[1];

    await postToConnection('a', BODY, 1000, never());
    process.env.AWS_ACCESS_KEY_ID = 'AKIDROTATED';
    await postToConnection('b', BODY, 1000, never());
    const beforeExpiry = keyOf();
    vi.setSystemTime(expiration.getTime() + 1000);
    await postToConnection('c', BODY, 1000, never());

    expect(beforeExpiry).toBe('AKIDEXAMPLE');
    expect(keyOf()).toBe('AKIDROTATED');
  });

  it("is 'gone' when the API answers 410, 'failed' with the status and error type on any other refusal", async () => {
    const gone = await postToConnection('gone-1', BODY, 1000, never());
    const refused = await postToConnection('refused-1', BODY, 1000, never());

    expect(gone).toMatchObject({ outcome: 'gone', error: { statusCode: 410, errorType: 'GoneException' } });
    expect(refused.outcome).toBe('failed');
    expect(refused.error).toBeInstanceOf(PostRefusedError);
    expect(refused.error).toMatchObject({ statusCode: 403, errorType: 'ForbiddenException', message: 'PostToConnection answered 403 ForbiddenException: {"message":"Forbidden"}' });
  });

  it("is 'timed_out' when the connection stays silent for the post timeout, and the socket is given up", async () => {
    const result = await postToConnection('slow-1', BODY, 50, never());

    expect(result.outcome).toBe('timed_out');
    expect(result.error).toBeInstanceOf(PostTimeoutError);
    // The request did reach the server: it is the silence that timed out, not a refused connection.
    expect(received.map((r) => r.url)).toEqual(['/prod/@connections/slow-1']);
    // The abandoned socket is closed (the server sees it go), not left to carry a later post.
    const socket = held[0]?.socket;
    if (socket && !socket.destroyed) await once(socket, 'close');
    expect(socket?.destroyed).toBe(true);
  });

  it("is 'timed_out' for every post under way when their shared signal aborts, and sends nothing once it has; another signal's posts go on", async () => {
    const deadline = new AbortController();
    const otherPublish = new AbortController();
    const underWay = [postToConnection('slow-2', BODY, 10_000, deadline.signal), postToConnection('slow-3', BODY, 10_000, deadline.signal)];
    const other = postToConnection('slow-4', BODY, 10_000, otherPublish.signal);
    await vi.waitUntil(() => received.length === 3);
    deadline.abort();
    const aborted = await Promise.all(underWay);
    const late = await postToConnection('ok-late', BODY, 10_000, deadline.signal);
    held[received.findIndex((r) => r.url.endsWith('/slow-4'))]?.writeHead(200).end();

    expect(aborted.map((r) => r.outcome)).toEqual(['timed_out', 'timed_out']);
    for (const { error } of [...aborted, late]) expect(error).toBeInstanceOf(PostAbortedError);
    expect(late.outcome).toBe('timed_out');
    expect(await other).toEqual({ outcome: 'delivered' });
    expect(received.map((r) => r.url).sort()).toEqual(['/prod/@connections/slow-2', '/prod/@connections/slow-3', '/prod/@connections/slow-4']);
  });

  it('sends nothing when its signal aborts while the post waits for credentials to be signed', async () => {
    // No complete key pair in the environment (a key id alone keeps the local placeholder out), so
    // the provider chain goes on to the container credentials endpoint, which answers late.
    const restore = setEnv({
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.replace(/\/prod$/, '')}/credentials`,
    });
    resetGatewayClient();
    try {
      const deadline = new AbortController();
      const post = postToConnection('ok-signed-late', BODY, 10_000, deadline.signal);
      await vi.waitUntil(() => heldCredentials.length === 1, { timeout: 10_000 });
      deadline.abort();
      const expiration = new Date(Date.now() + 3_600_000).toISOString();
      heldCredentials[0]?.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ AccessKeyId: 'AKIDCONTAINER', SecretAccessKey: 'secret', Token: 'token', Expiration: expiration }));
      const result = await post;

      expect(result.outcome).toBe('timed_out');
      expect(result.error).toBeInstanceOf(PostAbortedError);
      expect(received).toEqual([]);
    } finally {
      heldCredentials.length = 0;
      restore();
    }
  });

  it('keeps sockets alive between posts and opens at most PUSH_CONCURRENCY of them', async () => {
    const restore = setEnv({ PUSH_CONCURRENCY: '3' });
    resetGatewayClient();
    try {
      const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => postToConnection(`ok-${i}`, BODY, 1000, never())));
      const after = await postToConnection('ok-after', BODY, 1000, never());

      expect([...burst, after].map((r) => r.outcome)).toEqual(Array.from({ length: 13 }, () => 'delivered'));
      expect(received).toHaveLength(13);
      expect(connections).toBeLessThanOrEqual(3);
    } finally {
      resetGatewayClient();
      restore();
    }
  });
});
